// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var script = document.currentScript;
  var workerUrl = script && script.dataset.sw;
  if (workerUrl && "serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(workerUrl, { scope: "/" }).catch(function () {
        // Without a service worker the site still works, only not offline.
      });
    });
  }
})();
