// The SMS compose form's length counter: as a text is typed, the <output> under it says its
// encoding (GSM-7 or UCS-2), characters, parts and the room left in the last part, counted as
// messaging/text_rules.py counts (3GPP TS 23.038 and 23.040): the text with the sample names
// filled in and the opt-out line added. The alphabets and the words come from the page, so the
// rules have one source; the server counts again on saving and its count is the one that holds.
(function () {
  "use strict";
  var form = document.getElementById("sms-compose");
  if (!form) { return; }
  function alphabet(name) {
    var codes = JSON.parse(form.getAttribute(name) || "[]");
    return new Set(codes.map(function (code) { return String.fromCodePoint(code); }));
  }
  var basic = alphabet("data-gsm7");
  var extension = alphabet("data-gsm7-extension");
  var words = form.getAttribute("data-counter") || "";
  var sample = JSON.parse(form.getAttribute("data-sample") || "{}");
  var SINGLE = { gsm7: 160, ucs2: 70 };
  var PART = { gsm7: 153, ucs2: 67 };

  function measure(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return basic.has(c) || extension.has(c); });
    var encoding = gsm ? "gsm7" : "ucs2";
    var sizes = chars.map(function (c) {
      if (gsm) { return extension.has(c) ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var total = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (total <= SINGLE[encoding]) {
      return { encoding: encoding, units: total, segments: total ? 1 : 0,
               remaining: SINGLE[encoding] - total };
    }
    var room = PART[encoding], segments = 1, used = 0;
    sizes.forEach(function (size) {
      if (used + size > room) { segments += 1; used = 0; }
      used += size;
    });
    return { encoding: encoding, units: total, segments: segments, remaining: room - used };
  }

  function rendered(body) {
    // A browser sends a textarea's line breaks as CRLF, and the server counts what it gets.
    var text = body.replace(/\{\{\s*(\w+)\s*\}\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(sample, name) ? sample[name] : whole;
    });
    return text.trim().replace(/\r?\n/g, "\r\n");
  }

  function update(area, output) {
    if (!area.value.trim()) { output.textContent = ""; return; }
    var length = measure(rendered(area.value) + output.getAttribute("data-opt-out"));
    output.textContent = words
      .replace("{encoding}", length.encoding === "gsm7" ? "GSM-7" : "UCS-2")
      .replace("{units}", String(length.units))
      .replace("{segments}", String(length.segments))
      .replace("{remaining}", String(length.remaining));
  }

  Array.prototype.forEach.call(form.querySelectorAll("output.sms-length"), function (output) {
    var area = document.getElementById(output.getAttribute("for"));
    if (!area) { return; }
    area.addEventListener("input", function () { update(area, output); });
    update(area, output);
  });
})();
