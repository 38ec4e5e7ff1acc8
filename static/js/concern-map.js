/* Maps of concern reports ("Sag's uns"), drawn with the vendored Leaflet.
 *
 * Without a configured tile server, or offline, the map is a plain coordinate grid centred on
 * the municipality: tapping still picks a point. With JavaScript off, the form's latitude and
 * longitude fields do the same job, and this file does nothing. */
(function () {
  "use strict";

  var ZOOM = 15;

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function number(text) {
    if (text === null || text === undefined) { return NaN; }
    var value = parseFloat(String(text).trim().replace(",", "."));
    return isFinite(value) ? value : NaN;
  }

  // Grid lines and labels drawn on canvas tiles: needs no server and no network.
  function gridLayer(L) {
    var Grid = L.GridLayer.extend({
      createTile: function (coords) {
        var tile = document.createElement("canvas");
        var size = this.getTileSize();
        tile.width = size.x;
        tile.height = size.y;
        var context = tile.getContext("2d");
        context.fillStyle = "#f4f7f2";
        context.fillRect(0, 0, size.x, size.y);
        context.strokeStyle = "#b7c4b0";
        context.lineWidth = 1;
        context.strokeRect(0.5, 0.5, size.x - 1, size.y - 1);
        var corner = this._map.unproject(coords.scaleBy(size), coords.z);
        context.fillStyle = "#4a5a44";
        context.font = "11px sans-serif";
        context.fillText(corner.lat.toFixed(4) + ", " + corner.lng.toFixed(4), 4, 14);
        return tile;
      }
    });
    return new Grid({ attribution: "" });
  }

  function setup(L, element) {
    var latInput = element.dataset.latInput ? document.getElementById(element.dataset.latInput) : null;
    var lonInput = element.dataset.lonInput ? document.getElementById(element.dataset.lonInput) : null;
    var editable = Boolean(latInput && lonInput);
    var status = editable ? element.parentNode.querySelector("[data-map-status]") : null;
    var centre = [number(element.dataset.lat), number(element.dataset.lon)];
    if (editable && !isNaN(number(latInput.value)) && !isNaN(number(lonInput.value))) {
      centre = [number(latInput.value), number(lonInput.value)];
    }
    if (isNaN(centre[0]) || isNaN(centre[1])) { return; }

    element.hidden = false;
    var map = L.map(element, { center: centre, zoom: ZOOM, attributionControl: true });
    gridLayer(L).addTo(map);
    if (element.dataset.tileUrl) {
      // Over the grid: where a tile cannot load, the grid shows through.
      L.tileLayer(element.dataset.tileUrl, {
        maxZoom: 19,
        attribution: element.dataset.tileAttribution || ""
      }).addTo(map);
    } else {
      map.attributionControl.addAttribution(element.dataset.labelGrid || "");
    }

    var marker = null;
    function show(lat, lon) {
      var point = [lat, lon];
      if (marker) { marker.setLatLng(point); } else {
        marker = L.circleMarker(point, { radius: 10, color: "#b71c1c", weight: 3, fillOpacity: 0.4 }).addTo(map);
      }
    }
    if (element.dataset.marker || (editable && !isNaN(number(latInput.value)) && !isNaN(number(lonInput.value)))) {
      show(centre[0], centre[1]);
    }
    if (!editable) { return; }

    function choose(lat, lon) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      show(lat, lon);
      if (status) { status.textContent = (element.dataset.labelSet || "") + " " + latInput.value + ", " + lonInput.value; }
    }
    map.on("click", function (event) { choose(event.latlng.lat, event.latlng.lng); });

    function typed() {
      var lat = number(latInput.value);
      var lon = number(lonInput.value);
      if (!isNaN(lat) && !isNaN(lon)) { show(lat, lon); map.panTo([lat, lon]); }
    }
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);

    var actions = element.parentNode.querySelector("[data-concern-map-actions]");
    if (actions) {
      actions.hidden = false;
      actions.querySelector("[data-map-use-center]").addEventListener("click", function () {
        var middle = map.getCenter();
        choose(middle.lat, middle.lng);
      });
      actions.querySelector("[data-map-clear]").addEventListener("click", function () {
        latInput.value = "";
        lonInput.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
        if (status) { status.textContent = ""; }
      });
    }
  }

  ready(function () {
    var L = window.L;
    if (!L) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-concern-map]"), function (element) {
      setup(L, element);
    });
  });
})();
