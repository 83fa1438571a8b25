// Ampel status page: progressive enhancement only. Without this script
// the page is complete and offers a Reload button.
(function () {
  "use strict";

  // The page's language (<html lang>): dates and the few words this
  // script writes follow it, the words from the body's data-* attributes.
  var lang = document.documentElement.lang || undefined;
  function word(name, fallback) {
    return (document.body && document.body.getAttribute("data-" + name)) || fallback;
  }

  // Show times in the viewer's own zone; the server wrote the site's zone.
  var fmt = null;
  try {
    fmt = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { /* keep the server's text */ }

  function localTimes(root) {
    if (!fmt) { return; }
    // data-fixed times keep the zone they were written in (a maintenance
    // window's own); the next line then shows the viewer's time.
    root.querySelectorAll("time[datetime]:not([data-fixed])").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) { el.textContent = fmt.format(d); }
    });
    root.querySelectorAll(".tz").forEach(function (el) {
      try { el.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone + " " + word("your-zone", "(your time zone)"); } catch (e) { /* keep the site zone */ }
    });
    root.querySelectorAll(".tz-label").forEach(function (el) { el.textContent = word("your-time", "Your time"); });
  }

  function setLevel(el, level) {
    el.className = el.className.replace(/\bs-[a-z_]+/g, "").trim() + " " + level;
  }

  // textOf is an event item's text in the page's language.
  function textOf(item) {
    return (item.texts && lang && item.texts[lang]) || item.text;
  }

  function setText(el, text) {
    var t = el.querySelector('[data-live="text"]');
    if (t) { t.textContent = text; }
  }

  // Apply one "state" event: banner, groups, component rows and today's
  // cell of each bar.
  function apply(ev) {
    var banner = document.getElementById("banner");
    if (banner) { setLevel(banner, ev.banner.level); setText(banner, textOf(ev.banner)); }
    (ev.groups || []).forEach(function (g) {
      var el = document.getElementById(g.id);
      if (!el) { return; }
      setLevel(el, g.level);
      var s = el.querySelector("summary");
      if (s) { setText(s, textOf(g)); }
      if (g.level !== "s-up") { el.open = true; }
    });
    (ev.components || []).forEach(function (c) {
      document.querySelectorAll('[data-component="' + c.id + '"]').forEach(function (el) {
        setLevel(el, c.level);
        setText(el, textOf(c));
        var today = el.querySelector(".bar .today");
        if (today) {
          today.classList.remove("now-partial", "now-down");
          if (c.level === "s-partial" || c.level === "s-down") { today.classList.add("now-" + c.level.slice(2)); }
        }
      });
    });
    var updated = document.getElementById("updated");
    if (updated) {
      var t = document.createElement("time");
      t.setAttribute("datetime", ev.updated);
      t.textContent = ev.updated;
      updated.replaceChildren(t);
      localTimes(updated);
      var ago = updated.parentNode.querySelector(".ago");
      if (ago) { ago.textContent = word("just-now", "(just now)"); }
    }
  }

  // The page's live stream. A page the browser keeps in its back/forward
  // cache must not hold it: over HTTP/1.1 six such pages would use up the
  // connections to the host and the next page would hang. So the stream
  // closes on pagehide and reopens on pageshow, from the last event seen.
  var source = null;
  var lastID = "";

  function eventsURL() {
    var url = document.body.getAttribute("data-events");
    if (!url || !lastID) { return url; }
    var since = "since=" + encodeURIComponent(lastID);
    if (/[?&]since=[^&]*/.test(url)) { return url.replace(/([?&])since=[^&]*/, "$1" + since); }
    return url + (url.indexOf("?") < 0 ? "?" : "&") + since;
  }

  function connect() {
    var url = eventsURL();
    if (!window.EventSource || !url || source) { return; }
    var es = new EventSource(url);
    source = es;
    es.addEventListener("state", function (e) {
      if (e.lastEventId) { lastID = e.lastEventId; }
      try { apply(JSON.parse(e.data)); } catch (err) { /* a malformed event changes nothing */ }
    });
    es.addEventListener("reload", function () { disconnect(); window.location.reload(); });
    es.addEventListener("open", function () {
      document.documentElement.classList.add("js-live");
      document.querySelectorAll(".live-note").forEach(function (n) { n.hidden = false; });
    });
    es.addEventListener("error", function () {
      document.documentElement.classList.remove("js-live");
    });
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
    document.documentElement.classList.remove("js-live");
  }

  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function (e) { if (e.persisted) { connect(); } });

  // Bars: the page has one link per bar to the component's daily record;
  // with a pointer, a tooltip names the day under it and a click opens
  // that day's entry. Cells are 5 viewBox units apart (ui/bar.go).
  var dayWords = {
    "d-ok": "no outage", "d-low": "outage under 1% of the day", "d-mid": "outage 1–10% of the day",
    "d-high": "outage over 10% of the day", "d-maint": "maintenance", "d-none": "no data"
  };
  var dayFmt = null;
  try { dayFmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }); } catch (e) { /* ISO dates */ }
  var tip = null;

  // dayAt is the day under the pointer: its index, date and colour.
  function dayAt(link, ev) {
    var svg = link.querySelector("svg");
    var end = link.getAttribute("data-end");
    if (!svg || !end || !svg.viewBox || !svg.viewBox.baseVal) { return null; }
    var box = svg.getBoundingClientRect();
    var vb = svg.viewBox.baseVal;
    var n = Math.round((vb.width + 2) / 5);
    var i = Math.floor((ev.clientX - box.left) / box.width * vb.width / 5);
    if (!box.width || i < 0 || i >= n) { return null; }
    var cls = "d-none";
    svg.querySelectorAll("path").forEach(function (p) {
      var re = /M(\d+) 17h(\d+)/g, m;
      while ((m = re.exec(p.getAttribute("d")))) {
        var from = +m[1] / 5, to = (+m[1] + +m[2] + 2) / 5;
        if (i >= from && i < to) { cls = p.getAttribute("class").split(" ")[0]; }
      }
    });
    var d = new Date(end + "T00:00:00Z");
    if (isNaN(d)) { return null; }
    d.setUTCDate(d.getUTCDate() - (n - 1 - i));
    return { iso: d.toISOString().slice(0, 10), text: (dayFmt ? dayFmt.format(d) : d.toISOString().slice(0, 10)) + ": " + word("day-" + cls.slice(2), dayWords[cls] || cls) };
  }

  function showTip(link, ev) {
    var day = dayAt(link, ev);
    if (!day) { hideTip(); return; }
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "bar-tip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    tip.textContent = day.text;
    tip.hidden = false;
    tip.style.left = Math.max(4, Math.min(ev.pageX + 12, document.documentElement.scrollWidth - tip.offsetWidth - 4)) + "px";
    tip.style.top = (ev.pageY + 16) + "px";
  }

  function hideTip() { if (tip) { tip.hidden = true; } }

  function enhanceBars(root) {
    root.querySelectorAll("a.bar-link[data-end]").forEach(function (link) {
      var base = link.getAttribute("href").replace(/#.*$/, "");
      link.addEventListener("mousemove", function (ev) { showTip(link, ev); });
      link.addEventListener("mouseleave", hideTip);
      link.addEventListener("click", function (ev) {
        var day = ev.detail ? dayAt(link, ev) : null; // a key press keeps the whole record
        if (day) { link.setAttribute("href", base + "#day-" + day.iso); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceBars(document);
    localTimes(document);
    connect();
  });
})();
