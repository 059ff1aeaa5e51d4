// Map popups may link only to http(s) or relative URLs (issue 13). datasette-cluster-map builds a popup's
// <a href> from the `popup` column of any query, so `?sql=select … '{"link": "javascript:…"}' as popup`
// drew a link that ran script when clicked. Every link or image that appears inside a Leaflet popup is
// checked as it is added to the page (a MutationObserver runs before any click can reach it): any other
// scheme loses its href/src and keeps its text.
(function () {
  "use strict";
  var SAFE = { "http:": true, "https:": true };
  function safe(value) {
    try {
      return SAFE[new URL(value, document.baseURI).protocol] === true;
    } catch (e) {
      return false;
    }
  }
  function clean(root) {
    if (!root.querySelectorAll) return;
    var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll("a, img, area")));
    nodes.forEach(function (node) {
      if (!node.closest || !node.closest(".leaflet-popup-content")) return;
      ["href", "src", "xlink:href", "srcset"].forEach(function (name) {
        var value = node.getAttribute && node.getAttribute(name);
        if (value !== null && value !== undefined && (name === "srcset" || !safe(value))) {
          node.removeAttribute(name);
          node.setAttribute("data-unsafe-" + name.replace(":", "-"), value);
        }
      });
    });
  }
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(clean);
      if (mutation.type === "attributes") clean(mutation.target);
    });
  }).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["href", "src", "srcset"]
  });
})();
