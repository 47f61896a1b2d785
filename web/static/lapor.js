// The citizen form: location from the browser (and a way to clear it), and one submission per tap.
// The page's words come from the form's data attributes, in the page's language.
"use strict";

// The tracking link carries the citizen's secret in its fragment (#kunci=...), which browsers never
// send: post it in a form body instead, and take it out of the address bar and history.
document.addEventListener("DOMContentLoaded", function () {
  var unlock = document.getElementById("buka-kunci");
  var prefix = "#kunci=";
  if (!unlock || location.hash.indexOf(prefix) !== 0) { return; }
  var key = decodeURIComponent(location.hash.slice(prefix.length));
  history.replaceState(null, "", location.pathname + location.search);
  if (key) {
    document.getElementById("kunci").value = key;
    unlock.submit();
  }
});

document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("lokasi-saya");
  var clear = document.getElementById("hapus-lokasi");
  var status = document.getElementById("lokasi-status");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("long");
  var form = document.getElementById("lapor");
  var send = document.getElementById("kirim");
  if (!form) { return; }
  var words = form.dataset;

  if (button && !("geolocation" in navigator)) {
    button.hidden = true;
    status.textContent = words.unsupported;
  }

  if (button) {
    button.addEventListener("click", function () {
      status.textContent = words.locating;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          status.textContent = words.located.replace("{0}", Math.round(pos.coords.accuracy));
          clear.hidden = false;
        },
        function () { status.textContent = words.unreadable; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();  // without this script, the button asks the server to clear it instead
      lat.value = "";
      lon.value = "";
      clear.hidden = true;
      status.textContent = words.cleared;
      document.getElementById("alamat").focus();
    });
  }

  if (send) {
    form.addEventListener("submit", function () {
      send.disabled = true;
      send.textContent = words.sending;
    });
  }
});
