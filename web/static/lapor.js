// The citizen form: location from the browser, and one submission per tap.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("lokasi-saya");
  var status = document.getElementById("lokasi-status");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("long");
  var form = document.getElementById("lapor");
  var send = document.getElementById("kirim");

  if (button && !("geolocation" in navigator)) {
    button.hidden = true;
    status.textContent = "Perangkat ini tidak dapat membagikan lokasi; tulis alamatnya.";
  }

  if (button) {
    button.addEventListener("click", function () {
      status.textContent = "Mencari lokasi…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          status.textContent = "Lokasi tersimpan (akurasi ± " + Math.round(pos.coords.accuracy) + " m).";
        },
        function () {
          status.textContent = "Lokasi tidak dapat dibaca. Izinkan akses lokasi, atau tulis alamatnya.";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  if (form && send) {
    form.addEventListener("submit", function () {
      send.disabled = true;
      send.textContent = "Mengirim…";
    });
  }
});
