// ftpbot web reference: optional enhancements. Every page works without this script.
// 1. Search boxes (input[data-complete]) show suggestions from /api/complete as you type.
// 2. The playground form asks without reloading the page, and long pastes go by POST.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function setupComplete(input) {
    var box = document.getElementById(input.getAttribute("data-complete"));
    if (!box) return;
    var list = box.querySelector("[data-list]");
    var status = box.querySelector("[data-status]");
    var api = input.getAttribute("data-api") || "/api/complete";
    var seq = 0;

    function hide() { box.hidden = true; }
    function show(matches, q) {
      list.textContent = "";
      matches.forEach(function (m) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = m.url;
        if (m.kind === "code" || m.kind === "class") {
          var n = document.createElement("span");
          n.className = "num";
          n.textContent = m.id;
          a.appendChild(n);
        }
        a.appendChild(document.createTextNode(m.title));
        var k = document.createElement("span");
        k.className = "kind";
        k.textContent = m.kind;
        a.appendChild(k);
        li.appendChild(a);
        list.appendChild(li);
      });
      status.textContent = matches.length ? matches.length + " suggestions for " + q : "No suggestions";
      box.hidden = matches.length === 0;
    }
    var update = debounce(function () {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) { hide(); return; }
      fetch(api + "?q=" + encodeURIComponent(q.slice(0, 200)), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
        .then(function (data) { if (mine === seq) show(data.matches || [], q); })
        .catch(function () { hide(); });
    }, 120);

    input.addEventListener("input", update);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { hide(); }
      if (e.key === "ArrowDown" && !box.hidden) {
        var first = list.querySelector("a");
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    box.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
      if (e.key === "Escape") { hide(); input.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (!box.contains(e.target) && e.target !== input) hide();
    });
  }

  // Questions longer than this go by POST: a whole log does not fit in a URL.
  var maxGet = 1500;

  function setupPlay(form) {
    var textarea = form.querySelector("textarea");
    var status = document.querySelector("[data-play-status]");

    function ask(q, push) {
      var url = form.action;
      var opts = { headers: { Accept: "text/html" } };
      if (q.length > maxGet) {
        url += "?partial=1";
        opts.method = "POST";
        opts.headers["Content-Type"] = "application/x-www-form-urlencoded";
        opts.body = "q=" + encodeURIComponent(q);
      } else {
        url += "?partial=1&q=" + encodeURIComponent(q);
      }
      if (status) status.textContent = "Asking…";
      return fetch(url, opts).then(function (r) { return r.text(); }).then(function (html) {
        var old = document.getElementById("play-result");
        var tmp = document.createElement("div");
        tmp.innerHTML = html;
        var fresh = tmp.querySelector("#play-result");
        if (old && fresh) old.replaceWith(fresh);
        var title = fresh && fresh.querySelector("#reply-title");
        if (status) status.textContent = title ? "Answer: " + title.textContent : "Done";
        if (push && q.length <= maxGet) {
          history.pushState({ q: q }, "", form.action + "?q=" + encodeURIComponent(q));
        }
      }).catch(function () {
        form.submit(); // the page still works the plain way
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      ask(textarea.value, true);
    });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        ask(textarea.value, true);
      }
    });
    document.querySelectorAll("a[data-play]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        textarea.value = a.textContent;
        ask(a.textContent, true);
      });
    });
    window.addEventListener("popstate", function () {
      var q = new URLSearchParams(location.search).get("q") || "";
      textarea.value = q;
      if (q) ask(q, false);
    });
  }

  document.querySelectorAll("input[data-complete]").forEach(setupComplete);
  var play = document.getElementById("play-form");
  if (play) setupPlay(play);
})();
