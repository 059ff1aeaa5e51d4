/* Small page helpers for templates/*.html (words come from the page's JSON data block #portal-data, written by plugins/portal_i18n.py):
   open clipped text on click; on English pages keep ?_lang=en on the portal's own links; translate the column
   menu of Datasette's table.js and the field names of the map's popups into the spec's labels. */
(function () {
  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  onReady(function () {
    var P = {}, data = document.getElementById("portal-data");  /* a JSON data block (templates/base.html) */
    try { P = JSON.parse(data ? data.textContent : "{}"); } catch (e) { P = {}; }
    document.addEventListener("click", function (ev) {
      var clip = ev.target.closest && ev.target.closest("td.long, .table-lede");
      if (clip && !ev.target.closest("a")) { clip.classList.toggle("open"); }
    });
    if (P.lang === "en") {
      Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (a) {
        if (a.classList.contains("lang-switch")) { return; }
        var url;
        try { url = new URL(a.getAttribute("href"), location.href); } catch (e) { return; }
        if (url.origin !== location.origin || /\.(json|csv|xlsx|geojson|db|jsonld)$/.test(url.pathname)) { return; }
        if (!url.searchParams.has("_lang")) { url.searchParams.set("_lang", "en"); a.setAttribute("href", url.pathname + url.search + url.hash); }
      });
    }
    setTimeout(function () {  /* after table.js has built its column menu */
      var menu = P.menu || {};
      Object.keys(menu).forEach(function (key) {
        var link = document.querySelector(".dropdown-menu a.dropdown-" + key);
        if (link) { link.textContent = menu[key]; }
      });
    }, 0);
    var labels = P.labels;
    if (labels && window.MutationObserver) {
      new MutationObserver(function () {
        Array.prototype.forEach.call(document.querySelectorAll(".leaflet-popup-content dl dt:not([data-column])"), function (dt) {
          var key = dt.textContent;
          dt.setAttribute("data-column", key);
          if (labels[key]) { dt.textContent = labels[key]; dt.title = key; }
          var dd = dt.nextElementSibling;  /* a decimal number in the Vietnamese way: 9,306 */
          if (P.lang === "vi" && dd && /^-?\d+\.\d+$/.test(dd.textContent)) { dd.textContent = dd.textContent.replace(".", ","); }
        });
      }).observe(document.body, {childList: true, subtree: true});
    }
  });
})();
