"""A synthetic national catalog, built through the project's own loader, to see how the portal scales.

    python -m bench.synthetic --scale 100 [--out build/synthetic/x100] [--seed 57]

What it writes (into build/, never shipped as data): a copy of the project (scripts, plugins, templates,
metadata …) whose sources/ holds
  - the real reference lists (all 34 provinces and their 3,321 wards) and a sources/catalog_provinces.txt
    that lists all 34, so the loader keeps every ward instead of Đồng Tháp and An Giang only;
  - synthetic plans, reports and letters of the provinces' People's Committees under sources/documents/,
    registered in documents.csv and document_files.csv with their real SHA-256, about 7 in 10 of them
    "OCR" copies with the scans' confusions (Đ→P, ô→6, ơ→&, ê→¢ …) that ocr_fold() undoes;
  - curated CSVs under sources/curated/<table>/<document>.csv, one per document, with the headers of
    their table specs (sources/tables/, copied too), canonical agency names of each province, and an excerpt that is a verbatim line of
    the generated document, so the build's fidelity checks pass for real.
Then it runs `python -m scripts.load.build` in that copy, exactly as a user (and tests/conftest.py) would.

Counts scale with --scale against today's catalog (60 projects, 113 tasks, 188 indicators, 733 passages, …):
--scale 100 gives ~6,000 projects, ~11,300 tasks, ~18,800 indicators and ~73,300 passages in ~400 documents.
Owners follow a long-tailed distribution (the Department of Science and Technology owns about a third of the
projects, as in the real plans), start years cluster on 2024–2025, tasks mostly have a deadline or a year.
"""
import argparse
import csv
import hashlib
import io
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a build needs (as tests/conftest.py copies it): the code and the configuration; sources are generated.
PROJECT_PARTS = ["scripts", "plugins", "templates", "static", "metadata.yml", "settings.json"]
GENERATOR_VERSION = 1

# Today's catalog, the unit of --scale.
BASE = {"capital_projects": 60, "project_money": 9, "project_components": 2, "decisions": 14, "project_wards": 29,
        "plan_tasks": 113, "indicators": 188, "curation_gaps": 17, "document_passages": 733, "documents": 4}

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary: the words of provincial digital-transformation plans.

AGENCIES = [  # canonical name ({p}: province short name), short name, kind, weight as a project owner
    ("Sở Khoa học và Công nghệ", "Sở KH&CN", "sở", 34),
    ("Văn phòng Ủy ban nhân dân tỉnh", "VP UBND tỉnh", "văn phòng", 9),
    ("Công an tỉnh", "Công an tỉnh", "công an", 8),
    ("Sở Y tế", "Sở YT", "sở", 6),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "sở", 6),
    ("Sở Nông nghiệp và Môi trường", "Sở NN&MT", "sở", 6),
    ("Sở Nội vụ", "Sở NV", "sở", 4),
    ("Sở Tài chính", "Sở TC", "sở", 4),
    ("Sở Công Thương", "Sở CT", "sở", 3),
    ("Sở Xây dựng", "Sở XD", "sở", 3),
    ("Sở Văn hóa, Thể thao và Du lịch", "Sở VHTT&DL", "sở", 3),
    ("Sở Tư pháp", "Sở TP", "sở", 2),
    ("Sở Dân tộc và Tôn giáo", "Sở DT&TG", "sở", 1),
    ("Thanh tra tỉnh", "Thanh tra tỉnh", "thanh tra", 1),
    ("Trung tâm Chuyển đổi số tỉnh", "TT CĐS", "đơn vị sự nghiệp", 4),
    ("Báo và Phát thanh, Truyền hình {p}", "Báo và PT-TH {p}", "báo chí", 2),
    ("Ủy ban nhân dân cấp xã", "UBND cấp xã", "chính quyền", 3),
    ("Các sở, ban, ngành tỉnh", "Các sở, ban, ngành", "nhóm", 0),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "UBMTTQVN tỉnh", "mặt trận", 0),
    ("Tỉnh đoàn", "Tỉnh đoàn", "đoàn thể", 0),
    ("Viễn thông {p}", "VNPT {p}", "doanh nghiệp", 1),
]
NATIONAL = [("Chính phủ", "CP", "trung ương"), ("Bộ Khoa học và Công nghệ", "Bộ KH&CN", "trung ương"),
            ("Bộ Công an", "BCA", "trung ương")]

VERBS = ["Triển khai", "Xây dựng", "Nâng cấp", "Hoàn thiện", "Tăng cường", "Đẩy mạnh", "Tổ chức", "Rà soát",
         "Số hóa", "Kết nối", "Tích hợp", "Duy trì vận hành", "Phát triển", "Đào tạo, bồi dưỡng về", "Tuyên truyền về",
         "Chuẩn hóa", "Mở rộng", "Đánh giá hiệu quả", "Hướng dẫn sử dụng", "Thí điểm"]
OBJECTS = ["hệ thống camera giám sát an ninh trật tự", "cơ sở dữ liệu đất đai", "nền tảng tích hợp, chia sẻ dữ liệu",
           "hệ thống thông tin giải quyết thủ tục hành chính", "dịch vụ công trực tuyến toàn trình",
           "Trung tâm giám sát, điều hành thông minh (IOC)", "hạ tầng mạng di động 5G",
           "hệ thống hội nghị truyền hình trực tuyến", "kho dữ liệu dùng chung của tỉnh", "cơ sở dữ liệu dân cư",
           "hồ sơ sức khỏe điện tử", "học bạ số", "thanh toán không dùng tiền mặt", "chữ ký số công cộng",
           "ứng dụng công dân số", "hệ thống quản lý văn bản và điều hành", "mạng truyền số liệu chuyên dùng",
           "sàn thương mại điện tử cho sản phẩm OCOP", "hệ thống giám sát an toàn thông tin (SOC)", "bản đồ số",
           "cơ sở dữ liệu chuyên ngành nông nghiệp", "hệ thống cảnh báo sớm thiên tai, sạt lở bờ sông",
           "trạm quan trắc môi trường tự động", "nền tảng học tập trực tuyến mở", "hệ thống thư điện tử công vụ",
           "sàn giao dịch công nghệ", "hạ tầng điện toán đám mây", "kỹ năng số cho người dân",
           "tổ công nghệ số cộng đồng", "dữ liệu mở của cơ quan nhà nước", "bệnh án điện tử",
           "hệ thống truy xuất nguồn gốc nông sản", "cổng thông tin điện tử", "trợ lý ảo phục vụ người dân",
           "trung tâm dữ liệu của tỉnh", "hệ thống quản lý cán bộ, công chức, viên chức"]
SCOPES = ["trên địa bàn tỉnh", "tại các xã, phường", "cho cán bộ, công chức, viên chức",
          "phục vụ mô hình chính quyền địa phương hai cấp", "gắn với Đề án 06", "giai đoạn 2025 - 2030",
          "trong năm 2025", "tại các cơ sở y tế công lập", "tại các trường phổ thông", "cho doanh nghiệp nhỏ và vừa",
          "ở khu vực nông thôn", "tại {ward}", "tại {ward} và các xã lân cận"]
TAILS = ["bảo đảm kết nối, liên thông với các hệ thống của Trung ương",
         "bảo đảm an toàn thông tin theo cấp độ", "nâng cao chất lượng phục vụ người dân và doanh nghiệp",
         "đáp ứng yêu cầu thực hiện Nghị quyết số 57-NQ/TW", "không để gián đoạn hoạt động của cơ quan, đơn vị",
         "theo hướng dẫn của Bộ Khoa học và Công nghệ", "ưu tiên sử dụng nền tảng số quốc gia"]
GROUPS = ["Tăng cường công tác lãnh đạo, chỉ đạo, điều hành", "Phát triển hạ tầng số", "Phát triển dữ liệu số",
          "Phát triển chính quyền số", "Phát triển kinh tế số", "Phát triển xã hội số",
          "Bảo đảm an toàn, an ninh mạng", "Phát triển nguồn nhân lực số", "Truyền thông, nâng cao nhận thức"]
SECTIONS = {"A.I": "A. Nguồn vốn đầu tư – I. Các dự án chuyển tiếp", "A.II": "A. Nguồn vốn đầu tư – II. Dự án năm 2025",
            "B": "B. Nguồn vốn sự nghiệp", "PL": "Phụ lục dự án của Công văn", "BC": "Kinh phí nêu trong Báo cáo"}
STATUS = ["Năm 2025: quyết toán dự án hoàn thành", "Năm 2025: tiếp tục thực hiện giai đoạn thực hiện đầu tư",
          "Trình phê duyệt Báo cáo đề xuất chủ trương đầu tư", "Đang lựa chọn nhà thầu", "Đã nghiệm thu, đưa vào sử dụng",
          "Hoàn thành trong năm 2025", ""]
INDICATORS = [  # (what is measured, unit, typical target, comparator)
    ("tỷ lệ hồ sơ thủ tục hành chính được tiếp nhận, xử lý trực tuyến", "%", 80, "≥"),
    ("tỷ trọng kinh tế số trong GRDP của tỉnh", "%", 20, "≥"),
    ("tỷ lệ dân số trưởng thành có tài khoản thanh toán điện tử", "%", 85, "≥"),
    ("tỷ lệ hộ gia đình được phủ mạng Internet băng rộng cáp quang", "%", 95, "≥"),
    ("số dịch vụ công trực tuyến toàn trình được cung cấp", "dịch vụ", 300, "≥"),
    ("tỷ lệ cán bộ, công chức được bồi dưỡng kỹ năng số", "%", 100, "="),
    ("số doanh nghiệp công nghệ số đang hoạt động", "doanh nghiệp", 150, "≥"),
    ("tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử", "%", 98, "≥"),
    ("tỷ lệ người dân trưởng thành sử dụng ứng dụng công dân số", "%", 70, "≥"),
    ("tỷ lệ cơ sở dữ liệu chuyên ngành được kết nối với kho dữ liệu dùng chung", "%", 90, "≥"),
    ("tỷ lệ chi ngân sách cho khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số", "%", 3, "≥"),
    ("thứ hạng chỉ số chuyển đổi số cấp tỉnh (DTI)", "rank", 15, "≤"),
    ("tỷ lệ trường học triển khai học bạ số", "%", 100, "="),
    ("tỷ lệ cơ sở khám bệnh, chữa bệnh triển khai bệnh án điện tử", "%", 80, "≥"),
    ("số điểm phát Wi-Fi công cộng miễn phí", "điểm", 500, "≥"),
]
PILLARS = ["Chính quyền số", "Kinh tế số", "Xã hội số", "Hạ tầng số", "Dữ liệu số", "An toàn thông tin",
           "Khoa học, công nghệ và đổi mới sáng tạo"]
FILLER = ["Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, "
          "đổi mới sáng tạo và chuyển đổi số quốc gia",
          "Thực hiện Chương trình hành động của Ban Chấp hành Đảng bộ tỉnh về chuyển đổi số",
          "Chuyển đổi số là nhiệm vụ trọng tâm, xuyên suốt của cả hệ thống chính trị",
          "Người dân và doanh nghiệp là trung tâm, là chủ thể của quá trình chuyển đổi số",
          "Bảo đảm nguồn lực thực hiện từ ngân sách nhà nước và xã hội hóa",
          "Các cơ quan, đơn vị chủ động bố trí kinh phí trong dự toán được giao",
          "Định kỳ hằng quý báo cáo kết quả thực hiện về Sở Khoa học và Công nghệ để tổng hợp",
          "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan kịp thời phản ánh để xem xét, điều chỉnh",
          "Huy động sự tham gia của doanh nghiệp công nghệ số trên địa bàn",
          "Gắn chuyển đổi số với cải cách hành chính và Đề án 06 của Chính phủ",
          "Khai thác hiệu quả các nền tảng số quốc gia, nền tảng số dùng chung",
          "Kinh phí thực hiện được bố trí từ nguồn vốn đầu tư công và nguồn vốn sự nghiệp"]
FILLER_ENDS = ["trong năm 2025", "giai đoạn 2025 - 2030", "trên địa bàn {p}", "tại các xã, phường của {p}",
               "theo đúng quy định", "một cách đồng bộ, hiệu quả"]

# The scans' confusions, each undone by scripts.load.textfold.ocr_fold (word-initial Đ→P, ô→6, ơ→&, ê→¢, ọ→0 …).
OCR_CHARS = {"ô": "6", "ơ": "&", "ê": "¢", "ộ": "6", "ờ": "&", "ế": "é", "ề": "è", "ọ": "o", "ạ": "a", "ả": "a",
             "ử": "u", "ữ": "u", "ị": "i", "ậ": "a", "ấ": "a", "ẩ": "a", "ỉ": "i", "ố": "o", "ồ": "o", "ổ": "o"}


def nfc(text):
    return unicodedata.normalize("NFC", text)


def slug(text):
    from scripts.load.textfold import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def ocr(text, rng, rate=0.45):
    """Damage text the way the scans were damaged; ocr_fold() of the result equals ocr_fold() of the text."""
    text = re.sub(r"\bĐ", "P", text)
    out = []
    for ch in text:
        out.append(OCR_CHARS[ch] if ch in OCR_CHARS and rng.random() < rate else ch)
    return nfc("".join(out))


def weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def spread(total, parts, rng):
    """`total` split into `parts` near-equal non-negative integers, shuffled."""
    base, extra = divmod(total, parts)
    counts = [base + (1 if i < extra else 0) for i in range(parts)]
    rng.shuffle(counts)
    return counts


# ---------------------------------------------------------------------------------------------------------------
# The generator

class Province:
    def __init__(self, code, name, short, wards):
        self.code, self.name, self.short, self.wards = code, name, short, wards
        self.agencies = [(nfc(n.format(p=short)), nfc(s.format(p=short)), kind, weight)
                         for n, s, kind, weight in AGENCIES]

    @property
    def issuer(self):
        return "Ủy ban nhân dân " + self.name[0].lower() + self.name[1:]


class Document:
    """One synthetic document: its lines (blocks separated by blank lines) and the rows that cite them."""

    def __init__(self, doc_id, kind, province, quality, rng):
        self.id, self.kind, self.province, self.quality, self.rng = doc_id, kind, province, quality, rng
        self.blocks = []  # each block is one passage: a list of lines
        self.rows = defaultdict(list)  # table -> rows (dicts)
        self.mentions = {}  # (agency, printed) -> agency tuple

    def printed(self, text):
        return ocr(text, self.rng) if self.quality == "OCR" else text

    def add(self, *lines):
        """Add a block of clean lines, printed (damaged when OCR); returns them as printed: excerpts are cut
        from what is printed, so they are verbatim in the file."""
        return self.add_printed(*(self.printed(line) for line in lines))

    def add_printed(self, *lines):
        self.blocks.append(list(lines))
        return self.blocks[-1]

    def text(self):
        return "\n\n".join("\n".join(block) for block in self.blocks) + "\n"


def load_reference(root=ROOT):
    reference = root / "sources" / "reference"
    with open(reference / "wards.csv", encoding="utf-8", newline="") as f:
        wards = list(csv.DictReader(f))
    by_province = defaultdict(list)
    for w in wards:
        by_province[w["province_code"]].append(w)
    with open(reference / "provinces.csv", encoding="utf-8", newline="") as f:
        provinces = [Province(p["code"], p["name"], p["short_name"], by_province[p["code"]]) for p in csv.DictReader(f)]
    return [p for p in provinces if p.wards]


def sentence(rng, province, tail=True):
    ward = rng.choice(province.wards)["name"]
    text = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(SCOPES).format(ward=ward)}"
    if tail and rng.random() < 0.6:
        text += ", " + rng.choice(TAILS)
    return nfc(text)


def owner(rng, province):
    agencies = [a for a in province.agencies if a[3] > 0]
    return weighted(rng, agencies, [a[3] for a in agencies])


def timing(rng):
    kind = weighted(rng, ["deadline", "year", "recurring", "period", "conditional", "none"], [35, 28, 15, 9, 5, 8])
    if kind == "deadline":
        if rng.random() < 0.7:
            month = rng.randint(3, 12)
            days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            return kind, f"Trong tháng {month}/2025", f"2025-{month:02d}-{days}", 2025
        quarter = rng.randint(1, 4)
        month = quarter * 3
        days = [31, 30, 30, 31][quarter - 1]
        return kind, f"Quý {['I', 'II', 'III', 'IV'][quarter - 1]}/2025", f"2025-{month:02d}-{days}", 2025
    if kind == "year":
        year = weighted(rng, [2025, 2026, 2027, 2030], [60, 20, 10, 10])
        return kind, rng.choice(["Năm {y}", "Cuối năm {y}", "Trong năm {y}"]).format(y=year), "", year
    if kind == "recurring":
        return kind, rng.choice(["Thường xuyên", "Định kỳ", "Hằng năm", "Định kỳ hằng quý"]), "", ""
    if kind == "period":
        start = rng.choice([2025, 2026])
        return kind, f"{start} - {start + rng.randint(1, 5)}", "", ""
    if kind == "conditional":
        return kind, "Sau khi có hướng dẫn của Bộ Khoa học và Công nghệ", "", ""
    return kind, "", "", ""


class Generator:
    def __init__(self, scale, seed=57, root=ROOT):
        self.scale, self.rng, self.root = scale, random.Random(seed), root
        self.provinces = load_reference(root)
        self.targets = defaultdict(list)  # province -> target indicator rows
        self.decision_no = defaultdict(lambda: 1000)

    def count(self, table):
        return max(1, round(BASE[table] * self.scale))

    def documents(self):
        rng = self.rng
        n = max(BASE["documents"], round(BASE["documents"] * self.scale))
        # Đồng Tháp and An Giang first (as today), then every province in turn.
        order = sorted(self.provinces, key=lambda p: (p.code not in ("82", "91"), p.code))
        kinds = ["Kế hoạch", "Báo cáo", "Kế hoạch", "Công văn"]  # plans carry most rows, as today
        docs, seen = [], defaultdict(int)
        for i in range(n):
            province = order[i % len(order)]
            kind = kinds[(i // len(order) + i) % len(kinds)]
            seen[(province.code, kind)] += 1
            abbreviation = {"Kế hoạch": "kh", "Báo cáo": "bc", "Công văn": "cv"}[kind]
            doc_id = f"{slug(province.short)}-{abbreviation}-{seen[(province.code, kind)]:03d}-2025"
            quality = "OCR" if rng.random() < 0.7 else "clean"
            docs.append(Document(doc_id, kind, province, quality, rng))
        return docs

    def generate(self):
        rng = self.rng
        docs = self.documents()
        plans = [d for d in docs if d.kind == "Kế hoạch"]
        reports = [d for d in docs if d.kind == "Báo cáo"] or plans
        letters = [d for d in docs if d.kind == "Công văn"] or plans
        # How many rows of each table each document carries.
        share = {
            "plan_tasks": (plans, self.count("plan_tasks")),
            "targets": (plans, self.count("indicators") * 45 // 100),
            "achieved": (reports, self.count("indicators") - self.count("indicators") * 45 // 100),
            "projects_plan": (plans, self.count("capital_projects") * 85 // 100),
            "projects_report": (reports, self.count("capital_projects") * 8 // 100),
            "projects_letter": (letters, self.count("capital_projects") - self.count("capital_projects") * 85 // 100
                                - self.count("capital_projects") * 8 // 100),
            "gaps": (docs, self.count("curation_gaps")),
        }
        quota = {}
        for key, (group, total) in share.items():
            for doc, n in zip(group, spread(total, len(group), rng)):
                quota[(doc.id, key)] = n
        passages_per_doc = spread(self.count("document_passages"), len(docs), rng)
        money_left, components_left = self.count("project_money"), self.count("project_components")
        decisions_left, wards_left = self.count("decisions"), self.count("project_wards")
        # Plans first: reports link their figures to the plans' targets.
        for doc, passages in sorted(zip(docs, passages_per_doc), key=lambda d: d[0].kind != "Kế hoạch"):
            self.header(doc)
            q = lambda key: quota.get((doc.id, key), 0)  # noqa: E731
            if doc.kind == "Kế hoạch":
                self.targets_section(doc, q("targets"))
                self.tasks_section(doc, q("plan_tasks"))
                per_plan = max(1, len(plans))
                decisions_left -= self.projects_section(
                    doc, q("projects_plan"), decisions=min(decisions_left, math.ceil(self.count("decisions") / per_plan)),
                    wards=min(wards_left, math.ceil(self.count("project_wards") / per_plan)))
                wards_left -= len(doc.rows["project_wards"])
            elif doc.kind == "Báo cáo":
                self.achieved_section(doc, q("achieved"))
                money_left -= self.money_section(doc, q("projects_report"), "BC", money_left)
            else:
                n = q("projects_letter")
                money_left -= self.money_section(doc, n, "PL", money_left)
                components_left -= self.components(doc, components_left)
            self.gaps(doc, q("gaps"))
            self.fill(doc, passages)
        return docs

    # -- blocks of a document ------------------------------------------------------------------------------------
    def header(self, doc):
        p, rng = doc.province, self.rng
        doc.number = rng.randint(10, 399)
        doc.symbol = {"Kế hoạch": f"{doc.number}/KH-UBND", "Báo cáo": f"{doc.number}/BC-UBND",
                      "Công văn": f"{doc.number}/UBND-KGVX"}[doc.kind]
        doc.issued_on = f"2025-{rng.randint(3, 11):02d}-{rng.randint(1, 28):02d}"
        doc.title = {"Kế hoạch": f"Chuyển đổi số {p.name[0].lower() + p.name[1:]} năm 2025",
                     "Báo cáo": f"Kết quả thực hiện chuyển đổi số {p.name[0].lower() + p.name[1:]} năm 2025",
                     "Công văn": "V/v hoàn thiện hồ sơ nhiệm vụ, dự án chuyển đổi số thực hiện Nghị quyết số 57-NQ/TW"
                     }[doc.kind]
        day = doc.issued_on.split("-")
        doc.add("ỦY BAN NHÂN DÂN", p.name.upper())
        doc.add(f"Số: {doc.symbol}", f"{p.short}, ngày {day[2]} tháng {int(day[1])} năm 2025")
        doc.add(doc.kind.upper(), doc.title)

    def agency_printed(self, doc, agency):
        name, short, kind, _ = agency
        printed = doc.printed(short if self.rng.random() < 0.6 else name)
        doc.mentions[(name, printed)] = agency
        return printed

    def targets_section(self, doc, n):
        if not n:
            return
        doc.add("I. MỤC TIÊU VÀ CHỈ TIÊU")
        p, rng = doc.province, self.rng
        for i in range(1, n + 1):
            what, unit, typical, comparator = rng.choice(INDICATORS)
            year = weighted(rng, [2025, 2026, 2030], [70, 10, 20])
            value = typical if unit == "rank" else round(typical * rng.uniform(0.6, 1.0), 1 if typical < 10 else 0)
            value = min(value, 100) if unit == "%" else value
            shown = f"{value:g}".replace(".", ",")
            indicator = nfc(f"Đến năm {year}, {what} đạt {comparator} {shown}{'' if unit == '%' else ' '}"
                            f"{'' if unit == 'rank' else unit}".strip())
            if unit == "rank":
                indicator = nfc(f"Đến năm {year}, {what} thuộc nhóm {shown} tỉnh, thành phố dẫn đầu")
            line = doc.add(f"- {indicator}.")[0]
            row = {"id": f"{doc.id}/ct-{i}", "document_id": doc.id, "province_code": p.code,
                   "pillar": rng.choice(PILLARS), "indicator": indicator, "kind": "target", "value": f"{value:g}",
                   "comparator": comparator, "unit": unit, "rank_of": "",
                   "ref_year": str(year), "locator": f"Mục I, chỉ tiêu {i}", "excerpt": line[2:].rstrip(".")}
            doc.rows["indicators"].append(row)
            self.targets[p.code].append(row)

    def achieved_section(self, doc, n):
        if not n:
            return
        doc.add("I. KẾT QUẢ ĐẠT ĐƯỢC")
        p, rng = doc.province, self.rng
        for i in range(1, n + 1):
            target = rng.choice(self.targets[p.code]) if self.targets[p.code] and rng.random() < 0.5 else None
            if target:
                what = next(w for w in INDICATORS if w[0] in target["indicator"])
            else:
                what = rng.choice(INDICATORS)
            what, unit, typical, _ = what
            year = weighted(rng, [2023, 2024, 2025], [15, 45, 40])
            value = rng.randint(5, 40) if unit == "rank" else round(typical * rng.uniform(0.4, 1.1), 1 if typical < 10 else 0)
            value = min(value, 100) if unit == "%" else value
            shown = f"{value:g}".replace(".", ",")
            indicator = nfc(f"Năm {year}, {what} đạt {shown}{'' if unit == '%' else ' '}{'' if unit == 'rank' else unit}"
                            .strip())
            if unit == "rank":
                indicator = nfc(f"Năm {year}, {what} xếp thứ {shown}/34 tỉnh, thành phố")
            line = doc.add(f"- {indicator}.")[0]
            doc.rows["indicators"].append({
                "id": f"{doc.id}/kq-{i}", "document_id": doc.id, "province_code": p.code,
                "pillar": rng.choice(PILLARS), "indicator": indicator, "kind": "achieved", "value": f"{value:g}",
                "comparator": "=", "unit": unit, "rank_of": "34" if unit == "rank" else "", "ref_year": str(year),
                "target_id": target["id"] if target else "", "locator": f"Mục I, kết quả {i}",
                "excerpt": line[2:].rstrip(".")})

    def tasks_section(self, doc, n):
        if not n:
            return
        p, rng = doc.province, self.rng
        doc.add("III. NHIỆM VỤ, GIẢI PHÁP")
        groups = spread(n, min(len(GROUPS), max(1, n // 3)), rng)
        for g, size in enumerate(groups, start=1):
            if not size:
                continue
            group = GROUPS[(g - 1) % len(GROUPS)]
            doc.add(f"{g}. {group}")
            labels = list("abcdeghiklmnopqrstuvxy"[:size]) if size <= 22 else [str(i) for i in range(1, size + 1)]
            for label in labels:
                item = f"III.{g}.{label}"
                task = sentence(rng, p)
                kind, printed_timing, due_date, due_year = timing(rng)
                lead = owner(rng, p)
                coordinating = rng.sample([a for a in p.agencies if a != lead], rng.randint(0, 3))
                printed_task = doc.printed(task)
                parts = [printed_task + "."]
                if printed_timing:
                    parts.append(doc.printed(f"Thời gian thực hiện: {printed_timing}."))
                lead_printed = self.agency_printed(doc, lead)
                parts.append(doc.printed("Cơ quan chủ trì: ") + lead_printed + ".")
                coordinating_printed = [self.agency_printed(doc, a) for a in coordinating]
                if coordinating_printed:
                    parts.append(doc.printed("Cơ quan phối hợp: ") + ", ".join(coordinating_printed) + ".")
                doc.add_printed(f"{label}) " + " ".join(parts))
                excerpt = " ".join(parts)  # the item with its timing and agencies, as the build's check asks
                task_id = f"{doc.id}/{item}"
                doc.rows["plan_tasks"].append({
                    "id": task_id, "document_id": doc.id, "province_code": p.code,
                    "group_path": f"III. Nhiệm vụ, giải pháp › {g}. {group}", "item_no": item, "task": task,
                    "timing_printed": printed_timing, "timing_kind": kind, "due_date": due_date,
                    "due_year": str(due_year), "status_printed": "", "locator": f"Mục {item}", "excerpt": excerpt})
                for role, agencies, printed in (("lead", [lead], [lead_printed]),
                                                ("coordinating", coordinating, coordinating_printed)):
                    for ordinal, (agency, shown) in enumerate(zip(agencies, printed), start=1):
                        doc.rows["task_agencies"].append({
                            "task_id": task_id, "role": role, "agency": agency[0], "body": "agency", "printed": shown,
                            "ordinal": str(ordinal), "basis": "printed with the task"})

    def project_line(self, doc, section, item, rng):
        p = doc.province
        name = nfc(f"{rng.choice(['Đầu tư', 'Nâng cấp', 'Xây dựng', 'Thuê dịch vụ', 'Mở rộng', 'Triển khai'])} "
                   f"{rng.choice(OBJECTS)} {p.name[0].lower() + p.name[1:]}"
                   + (f" giai đoạn {rng.choice(['2021 - 2025', '2025 - 2030', '2026 - 2030'])}" if rng.random() < .3 else ""))
        lead = owner(rng, p)
        start = weighted(rng, [2021, 2022, 2023, 2024, 2025, 2026], [5, 8, 15, 25, 35, 12])
        end = min(2030, start + weighted(rng, [0, 1, 2, 3, 4], [15, 30, 30, 15, 10]))
        period = f"{start} - {end}" if end != start else str(start)
        status = rng.choice(STATUS)
        funding = weighted(rng, ["vốn đầu tư công", "vốn sự nghiệp", ""], [55, 35, 10]) if section != "B" else "vốn sự nghiệp"
        total = ""
        if section in ("PL", "BC") or rng.random() < 0.25:
            total = str(round(math.exp(rng.uniform(math.log(300), math.log(150000)))))
        lead_printed = self.agency_printed(doc, lead)
        excerpt = f"{doc.printed(name)} {lead_printed} {period}" + (f" {doc.printed(status)}" if status else "")
        if total:
            excerpt += " " + f"{int(total):,}".replace(",", ".") + doc.printed(" triệu đồng")
        doc.add_printed(f"{item} {excerpt}")
        row = {"id": f"{doc.id}/{section}.{item}", "document_id": doc.id, "section": section,
               "section_title": SECTIONS[section], "item_no": item, "name": name, "owner": lead[0],
               "owner_printed": lead_printed, "funding_source": funding, "start_year": str(start),
               "end_year": str(end), "period_printed": period, "status_note": status, "total_million_vnd": total,
               "total_comparator": "=" if total else "", "total_measure": "proposed" if total else "",
               "locator": f"Phụ lục II, {section}.{item}" if section[0] in "AB" else f"{SECTIONS[section]}, dòng {item}",
               "excerpt": excerpt}
        doc.rows["capital_projects"].append(row)
        return row

    def projects_section(self, doc, n, decisions, wards):
        if not n:
            return 0
        rng = self.rng
        doc.add("PHỤ LỤC II", "DANH MỤC DỰ ÁN, NHIỆM VỤ CÔNG NGHỆ THÔNG TIN, CHUYỂN ĐỔI SỐ NĂM 2025")
        sizes = dict(zip(["A.I", "A.II", "B"], spread(n, 3, rng)))
        projects = []
        for section, size in sizes.items():
            if size:
                doc.add(SECTIONS[section])
            for item in range(1, size + 1):
                projects.append(self.project_line(doc, section, str(item), rng))
        made = 0
        for footnote, project in enumerate(rng.sample(projects, min(decisions, len(projects))), start=1):
            self.decision_no[doc.province.code] += rng.randint(1, 40)
            number = self.decision_no[doc.province.code]
            symbol = f"{number}/QĐ-UBND"
            issued = f"{rng.randint(2020, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            day = issued.split("-")
            subject = f"Chủ trương đầu tư dự án {project['name']}"
            line = doc.add(f"{footnote} Quyết định số {symbol} ngày {day[2]}/{day[1]}/{day[0]} của "
                           f"{doc.province.issuer} về {subject[0].lower() + subject[1:]}.")[0]
            decision_id = f"{doc.province.code}-{number}-qd-ubnd"
            doc.rows["decisions"].append({
                "id": decision_id, "document_id": doc.id, "footnote_no": str(footnote), "kind": "Quyết định",
                "symbol": symbol, "issued_on": issued, "issuer": doc.province.issuer, "subject": subject,
                "locator": f"Phụ lục II, chú thích {footnote}", "excerpt": line[len(str(footnote)) + 1:]})
            doc.rows["project_decisions"].append({"project_id": project["id"], "decision_id": decision_id})
            made += 1
        if wards and projects:
            project = projects[0]
            chosen = rng.sample(doc.province.wards, min(wards, len(doc.province.wards)))
            doc.add(f"Các xã, phường thực hiện dự án {project['item_no']}:")
            for ordinal, ward in enumerate(chosen, start=1):
                unit = ward["type"].capitalize()
                name_printed = doc.printed(ward["short_name"])
                printed = doc.add_printed(f"{doc.printed(ward['type'])} {name_printed}")[0]
                doc.rows["project_wards"].append({
                    "project_id": project["id"], "ordinal": str(ordinal), "name_printed": name_printed,
                    "name": ward["short_name"], "unit_type": unit, "ward_code": ward["code"],
                    "resolved_via": "same name", "document_id": doc.id,
                    "locator": f"Phụ lục II, {project['item_no']}, xã/phường thứ {ordinal}",
                    "excerpt": printed})
        return made

    def money_section(self, doc, n, section, money_left):
        rng = self.rng
        if not n:
            return 0
        doc.add("II. DỰ ÁN VÀ KINH PHÍ" if section == "BC" else "PHỤ LỤC")
        used = 0
        for item in range(1, n + 1):
            project = self.project_line(doc, section, str(item), rng)
            for measure in (["tổng mức đầu tư dự kiến", "kinh phí năm 2025", "kinh phí đã cấp"][:rng.randint(1, 2)]
                            if used < money_left else []):
                amount = round(float(project["total_million_vnd"] or 1000) * (1 if "tổng" in measure else rng.uniform(.1, .6)))
                shown = f"{amount:,}".replace(",", ".")
                line = doc.add(f"Dự án {item}: {measure} là {shown} triệu đồng")[0]
                doc.rows["project_money"].append({
                    "project_id": project["id"], "measure": measure, "amount_million_vnd": str(amount),
                    "comparator": "=", "measure_kind": {"tổng mức đầu tư dự kiến": "proposed",
                                                        "kinh phí năm 2025": "planned"}.get(measure, "allocated"),
                    "year": "2025" if "2025" in measure else "", "document_id": doc.id,
                    "locator": f"{'Mục II' if section == 'BC' else 'Phụ lục'}, dự án {item}", "excerpt": line})
                used += 1
        return used

    def components(self, doc, left):
        projects = doc.rows["capital_projects"]
        if not left or not projects:
            return 0
        rng, made = self.rng, 0
        project = projects[0]
        for ordinal in range(1, min(left, 4) + 1):
            name = nfc(f"{rng.choice(['Đầu tư', 'Nâng cấp', 'Mua sắm thiết bị cho'])} {rng.choice(OBJECTS)}")
            objective = sentence(rng, doc.province)
            line = doc.add(f"{ordinal}) {name}. Mục tiêu: {objective}.")[0]
            doc.rows["project_components"].append({
                "id": f"{project['id']}/{ordinal}", "project_id": project["id"], "ordinal": str(ordinal), "name": name,
                "objective": objective, "scale": "", "document_id": doc.id,
                "locator": f"Phụ lục, thành phần {ordinal}", "excerpt": line})
            made += 1
        return made

    def gaps(self, doc, n):
        for i in range(1, n + 1):
            garbage = "".join(self.rng.choice("iïl|;:}{?%&zﬁgh") for _ in range(self.rng.randint(8, 20)))
            line = doc.add(f"Ghi chú: {garbage}")[0]
            doc.rows["curation_gaps"].append({
                "document_id": doc.id, "locator": f"Phụ lục II, ô ghi chú {i}", "excerpt": line,
                "reason": "Ô ghi chú bị OCR làm hỏng, không đọc được; không đoán nội dung."})

    def fill(self, doc, passages):
        """Headings and paragraphs of running text up to the document's share of passages."""
        rng, p = self.rng, doc.province
        section = 4
        while len(doc.blocks) < passages:
            if rng.random() < 0.12:
                section += 1
                doc.add(f"{roman(section)}. {rng.choice(GROUPS).upper()}")
                continue
            text = rng.choice(FILLER) + " " + rng.choice(FILLER_ENDS).format(p=p.name[0].lower() + p.name[1:])
            if rng.random() < 0.5:
                text += "; " + sentence(rng, p)[0].lower() + sentence(rng, p)[1:]
            doc.add(("- " if rng.random() < 0.3 else "") + nfc(text) + ".")


def roman(n):
    values = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in values:
        while n >= value:
            out += letters
            n -= value
    return out


# ---------------------------------------------------------------------------------------------------------------
# Writing the project copy

def write_csv(path, columns, rows, defaults=None):
    defaults = defaults or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, defaults.get(c, "")) for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def copy_code(destination: Path, root=ROOT):
    for part in PROJECT_PARTS:
        source = root / part
        target = destination / part
        if target.is_dir():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target)


def write_sources(docs, provinces, sources: Path, root=ROOT):
    from scripts import spec

    if sources.exists():
        shutil.rmtree(sources)
    (sources / "documents").mkdir(parents=True)
    shutil.copytree(root / "sources" / "reference", sources / "reference")
    shutil.copytree(root / "sources" / "tables", sources / "tables")  # the table specs: the same tables
    tables = spec.tables(root / "sources")
    header = {t.csv["path"].removeprefix("curated/").removesuffix(".csv"): t.csv_header()
              for t in tables.values() if t.csv}
    (sources / "catalog_provinces.txt").write_text(
        "# All 34 provinces: the synthetic national catalog (bench/synthetic.py)\n"
        + "".join(f"{p.code}\n" for p in provinces), encoding="utf-8")
    documents, files = [], []
    for doc in docs:
        data = doc.text().encode("utf-8")
        name = f"{doc.id}.txt"
        (sources / "documents" / name).write_bytes(data)
        documents.append({"id": doc.id, "symbol": doc.symbol, "type": doc.kind, "issuer": doc.province.issuer,
                          "province_code": doc.province.code, "issued_on": doc.issued_on, "title": doc.title,
                          "signer": "", "notes": "Synthetic document (bench/synthetic.py), not a real text."})
        files.append({"file": name, "document_id": doc.id, "text_quality": doc.quality, "is_primary": "1",
                      "received_as": name, "sha256": hashlib.sha256(data).hexdigest()})
    write_csv(sources / "documents.csv", tables["documents"].csv_header(), documents)
    write_csv(sources / "document_files.csv", tables["document_files"].csv_header(), files)
    # Agencies: every province's agencies and the national bodies; mentions as printed in each document.
    agencies, mentions = [], []
    for code, name, short, kind in [("", n, s, k) for n, s, k in NATIONAL]:
        agencies.append({"id": f"vn-{slug(name)}", "name": name, "short_name": short, "province_code": code, "kind": kind})
    for p in provinces:
        for name, short, kind, _ in p.agencies:
            agencies.append({"id": f"{p.code}-{slug(name)}", "name": name, "short_name": short, "province_code": p.code,
                             "kind": kind})
    write_csv(sources / "curated" / "agencies.csv", header["agencies"], agencies)
    defaults = {"basis": "printed with the task", "body": "agency", "value_kind": "number"}
    for doc in docs:
        mentions = [{"agency": name, "short_name": agency[1], "kind": agency[2], "province_code": doc.province.code,
                     "printed": printed, "document_id": doc.id}
                    for (name, printed), agency in sorted(doc.mentions.items())]
        tables = dict(doc.rows)
        if mentions:
            tables["agency_mentions"] = mentions
        for table, rows in tables.items():
            if rows:
                write_csv(sources / "curated" / table / f"{doc.id}.csv", header[table], rows, defaults)


def generate(scale, out: Path, seed=57, root=ROOT):
    """Write the project copy with synthetic sources into `out`; returns what was generated."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(scale, seed, root)
    docs = generator.generate()
    copy_code(out, root)
    write_sources(docs, generator.provinces, out / "sources", root)
    counts = defaultdict(int)
    for doc in docs:
        counts["documents"] += 1
        counts["document_passages"] += len(doc.blocks)
        for table, rows in doc.rows.items():
            counts[table] += len(rows)
    return dict(counts)


def build(project: Path, python=sys.executable):
    """Run the project's own build in the copy (as a user would); returns (seconds, peak RSS MiB, stdout)."""
    started = time.perf_counter()
    script = ("import resource, runpy, sys; sys.argv = ['scripts.load.build']; code = 0\n"
              "try:\n    runpy.run_module('scripts.load.build', run_name='__main__')\n"
              "except SystemExit as e:\n    code = e.code or 0\n"
              "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
              "sys.exit(code)\n")
    result = subprocess.run([python, "-c", script], cwd=project, capture_output=True, text=True,
                            env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"synthetic build failed in {project}:\n{result.stderr[-3000:]}")
    peak = re.search(r"PEAK_RSS_KB (\d+)", result.stderr)
    return seconds, (int(peak.group(1)) / 1024 if peak else None), result.stdout.strip()


def fingerprint(scale, seed, root=ROOT):
    """What a synthetic build depends on: this generator, the loader, the reference lists and the scale."""
    digest = hashlib.sha256(f"{GENERATOR_VERSION}:{scale}:{seed}".encode())
    for part in ["scripts", "sources/reference", "sources/tables", "metadata.yml"]:
        path = root / part
        for f in sorted(path.rglob("*") if path.is_dir() else [path]):
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(str(f.relative_to(root)).encode() + f.read_bytes())
    return digest.hexdigest()


def ensure(scale, out: Path = None, seed=57, root=ROOT, force=False):
    """The synthetic catalog at `scale`, generated and built unless an identical one is already there.
    Returns a dict with the database path, counts and (when built now) the build's seconds and peak memory."""
    out = Path(out or root / "build" / "synthetic" / f"x{scale:g}")
    stamp = out / "build" / "synthetic.json"
    key = fingerprint(scale, seed, root)
    if not force and stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("fingerprint") == key and (out / "build" / "catalog.db").exists():
            return {**info, "reused": True}
    started = time.perf_counter()
    counts = generate(scale, out, seed, root)
    generate_seconds = time.perf_counter() - started
    seconds, peak, report = build(out)
    info = {"scale": scale, "seed": seed, "fingerprint": key, "database": str(out / "build" / "catalog.db"),
            "project": str(out), "generated": counts, "generate_seconds": round(generate_seconds, 2),
            "build_seconds": round(seconds, 2), "build_peak_mib": round(peak, 1) if peak else None,
            "build_report": report, "bytes": (out / "build" / "catalog.db").stat().st_size}
    stamp.write_text(json.dumps(info, indent=2))
    return {**info, "reused": False}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--force", action="store_true", help="regenerate even if an identical build exists")
    args = parser.parse_args(argv)
    info = ensure(args.scale, args.out, args.seed, force=args.force)
    print(json.dumps({k: v for k, v in info.items() if k != "build_report"}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
