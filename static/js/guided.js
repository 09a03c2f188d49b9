// Guided mode (templates/tracker/session_go.html): her session one exercise at a time.
//
// Without JavaScript the page lists the whole session and links to the log form. With it:
//   1. the warning-sign check ("yes" saves a skipped log with the signs and goes to the stop
//      page, or shows the offline safety message);
//   2. one screen per exercise: countdown for timed items and rests, a set checklist for
//      repetitions, "Done, next", "Too hard" (shows an alternative), "Skip" and "Back";
//   3. the end: minutes from the elapsed time, how it went, the Borg scale, the warning signs
//      again and notes; saved through the outbox (static/js/offline.js) to the same API the
//      form's service answers, so the log is the one the form would make.
// Where she is lives in sessionStorage, so a reload resumes at the same step. Every word
// comes from the page (translated there), none from this file.
(function () {
  "use strict";
  var root = document.getElementById("guided");
  if (!root) {
    return;
  }
  var steps = JSON.parse(document.getElementById("guided-steps").textContent);
  var config = JSON.parse(document.getElementById("guided-config").textContent);
  var texts = {};
  document.getElementById("guided-texts").content.querySelectorAll("[data-text]").forEach(function (el) {
    texts[el.dataset.text] = el.textContent.trim();
  });

  function say(key, values) {
    var text = texts[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function $(selector, scope) {
    return (scope || root).querySelector(selector);
  }

  function field(screen, name) {
    return $('[data-field="' + name + '"]', screen);
  }

  function part(screen, name) {
    return $('[data-part="' + name + '"]', screen);
  }

  // --- where she is (sessionStorage) -------------------------------------------------------

  function fresh() {
    return { screen: "check", index: 0, startedAt: null, results: {}, end: null };
  }

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(config.storage_key));
      return saved && saved.screen ? saved : fresh();
    } catch (e) {
      return fresh();
    }
  }

  var state = load();

  function keep() {
    try {
      window.sessionStorage.setItem(config.storage_key, JSON.stringify(state));
    } catch (e) {
      // Private browsing without storage: the session still runs, a reload starts again.
    }
  }

  function forget() {
    try {
      window.sessionStorage.removeItem(config.storage_key);
    } catch (e) {
      // Nothing was kept.
    }
  }

  function result(step) {
    var key = String(step.prescription);
    if (!state.results[key]) {
      state.results[key] = { outcome: "", ticks: [], setsTimed: 0 };
    }
    return state.results[key];
  }

  // --- her date, in her time zone as the page knows it -------------------------------------

  function todayIso() {
    var now = new Date();
    try {
      var parts = {};
      new Intl.DateTimeFormat("en", {
        timeZone: config.time_zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      })
        .formatToParts(now)
        .forEach(function (p) {
          parts[p.type] = p.value;
        });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (e) {
      var pad = function (n) {
        return (n < 10 ? "0" : "") + n;
      };
      return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    }
  }

  // A session is logged in its own Monday-to-Sunday week: done today when today is in it,
  // else (a missed session of an earlier week) on its planned day.
  function performedOn() {
    var today = todayIso();
    return today <= config.week_end ? today : config.session_date;
  }

  // --- screen wake lock (nothing breaks without it) -----------------------------------------

  var wakeLock = null;
  var wantAwake = false;

  function stayAwake() {
    wantAwake = true;
    if (wakeLock || !("wakeLock" in navigator)) {
      return;
    }
    navigator.wakeLock
      .request("screen")
      .then(function (lock) {
        wakeLock = lock;
        lock.addEventListener("release", function () {
          wakeLock = null;
        });
      })
      .catch(function () {
        // Refused (battery saver, hidden page): the screen may dim, nothing else changes.
      });
  }

  function letSleep() {
    wantAwake = false;
    if (wakeLock) {
      wakeLock.release().catch(function () {});
      wakeLock = null;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && wantAwake) {
      stayAwake();
    }
  });

  // --- screens -------------------------------------------------------------------------------

  var screens = {};
  root.querySelectorAll("[data-screen]").forEach(function (el) {
    screens[el.dataset.screen] = el;
  });

  function show(name, focusSelector) {
    Object.keys(screens).forEach(function (key) {
      screens[key].hidden = key !== name;
    });
    var target = $(focusSelector || "[data-focus]:not([hidden])", screens[name]);
    if (target) {
      target.focus();
    }
    window.scrollTo(0, 0);
  }

  function showError(screen, message) {
    var box = $("[data-error]", screen);
    box.textContent = message;
    box.hidden = !message;
  }

  function go(screen, index) {
    stopTimer();
    state.screen = screen;
    if (index !== undefined) {
      state.index = index;
    }
    keep();
    render();
  }

  function render() {
    if (state.screen === "exercise" && state.index < steps.length) {
      renderExercise(steps[state.index]);
      stayAwake();
      show("exercise");
    } else if (state.screen === "exercise" || state.screen === "end") {
      state.screen = "end";
      letSleep();
      renderEnd();
      show("end");
    } else {
      show("check");
    }
  }

  // --- 1. the warning-sign check -------------------------------------------------------------

  function ticked(screen, name) {
    return Array.prototype.map.call(
      screen.querySelectorAll('input[name="' + name + '"]:checked'),
      function (box) {
        return box.value;
      }
    );
  }

  $('[data-action="start"]', screens.check).addEventListener("click", function () {
    if (ticked(screens.check, "check_signs").length) {
      showError(screens.check, say("ticked-sign"));
      return;
    }
    showError(screens.check, "");
    if (!state.startedAt) {
      state.startedAt = Date.now(); // elapsed time runs from the first exercise
    }
    go("exercise", 0);
  });

  $('[data-action="stop"]', screens.check).addEventListener("click", function (event) {
    var signs = ticked(screens.check, "check_signs");
    if (!signs.length) {
      showError(screens.check, say("tick-a-sign"));
      return;
    }
    showError(screens.check, "");
    save(
      {
        status: "skipped",
        skip_reason: "other",
        performed_on: performedOn(),
        minutes: 0,
        warning_signs: signs,
        exercises: [],
      },
      signs,
      event.currentTarget
    );
  });

  // --- 2. one exercise per screen ------------------------------------------------------------

  function setText(name, text) {
    var el = field(screens.exercise, name);
    el.textContent = text || "";
    el.hidden = !text;
  }

  function renderExercise(step) {
    var screen = screens.exercise;
    var total = steps.length;
    setText("progress-text", say("progress", { n: state.index + 1, total: total }));
    var bar = field(screen, "progress");
    bar.max = total;
    bar.value = state.index + 1;
    field(screen, "block").textContent = step.block;
    field(screen, "block-minutes").textContent = say("minutes", { n: step.block_minutes });
    var name = field(screen, "name");
    name.textContent = step.name;
    name.href = step.url;
    setText("swapped", step.swapped_from ? say("swapped", { name: step.swapped_from }) : "");
    setText("dose", step.dose);
    setText("rest", step.rest);
    setText("effort", step.effort);
    setText("heart-rate", step.heart_rate);
    setText("load", step.load);
    setText("instruction", step.instruction);
    setText("safety-notes", step.safety_notes);
    setText("block-notes", step.block_notes);
    part(screen, "too-hard").hidden = true;
    part(screen, "actions").hidden = false;
    renderSets(step);
    part(screen, "timer").hidden = true;
    if (step.seconds && result(step).setsTimed >= (step.sets || 1)) {
      setTimer("", 0, null); // every set counted down already: 0:00
    } else if (step.seconds) {
      prepareWork(step, result(step).setsTimed + 1);
    }
  }

  function renderSets(step) {
    var box = part(screens.exercise, "sets");
    var list = field(screens.exercise, "set-list");
    list.textContent = "";
    box.hidden = !step.reps;
    if (!step.reps) {
      return;
    }
    list.className = "guided-sets";
    var ticks = result(step).ticks;
    for (var i = 0; i < (step.sets || 1); i += 1) {
      var id = "guided-set-" + step.prescription + "-" + i;
      var wrap = document.createElement("div");
      wrap.className = "form-check guided-option";
      var input = document.createElement("input");
      input.type = "checkbox";
      input.className = "form-check-input";
      input.id = id;
      input.checked = Boolean(ticks[i]);
      input.dataset.set = String(i);
      var label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = id;
      label.textContent = say("set", { n: i + 1 });
      wrap.appendChild(input);
      wrap.appendChild(label);
      list.appendChild(wrap);
      input.addEventListener("change", onSetTicked);
    }
  }

  function onSetTicked(event) {
    var step = steps[state.index];
    var ticks = result(step).ticks;
    ticks[Number(event.target.dataset.set)] = event.target.checked;
    keep();
    var allDone = true;
    for (var i = 0; i < (step.sets || 1); i += 1) {
      allDone = allDone && Boolean(ticks[i]);
    }
    if (event.target.checked && !allDone && step.rest_seconds) {
      startRest(step.rest_seconds, function () {
        announce(say("rest-over"));
      });
    }
  }

  function setsDone(step) {
    var r = result(step);
    if (step.reps) {
      var count = r.ticks.filter(Boolean).length;
      return count || null;
    }
    return step.seconds && r.setsTimed ? r.setsTimed : null;
  }

  function finishStep(outcome) {
    var step = steps[state.index];
    result(step).outcome = outcome;
    go("exercise", state.index + 1);
  }

  $('[data-action="done"]', screens.exercise).addEventListener("click", function () {
    finishStep("done");
  });
  $('[data-action="skip"]', screens.exercise).addEventListener("click", function () {
    finishStep("skipped");
  });
  $('[data-action="too-hard"]', screens.exercise).addEventListener("click", function () {
    var step = steps[state.index];
    result(step).outcome = "too_hard";
    keep();
    stopTimer();
    var screen = screens.exercise;
    var link = field(screen, "alternative");
    part(screen, "alternative").hidden = !step.alternative;
    part(screen, "no-alternative").hidden = Boolean(step.alternative);
    if (step.alternative) {
      link.textContent = step.alternative.name;
      link.href = step.alternative.url;
    }
    part(screen, "actions").hidden = true;
    part(screen, "too-hard").hidden = false;
    $("[data-focus-too-hard]", screen).focus();
  });
  $('[data-action="go-on"]', screens.exercise).addEventListener("click", function () {
    go("exercise", state.index + 1);
  });
  $('[data-action="back"]', screens.exercise).addEventListener("click", function () {
    if (state.index > 0) {
      go("exercise", state.index - 1);
    } else {
      go("check");
    }
  });

  // --- the countdown: timed items and rests ---------------------------------------------------

  var timer = { label: "", remaining: 0, endsAt: null, interval: null, onDone: null };
  var timerPanel = part(screens.exercise, "timer");
  var timerButton = $('[data-action="timer"]', screens.exercise);

  function clock(seconds) {
    var s = Math.max(0, seconds);
    var rest = s % 60;
    return Math.floor(s / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // Said once, politely; what comes in the same moment is said together ("Time is up. Rest:
  // 0:30.").
  var pending = null;

  function announce(text) {
    var region = field(screens.exercise, "announce");
    if (pending !== null) {
      pending += " " + text;
      return;
    }
    pending = text;
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = pending;
      pending = null;
    }, 50);
  }

  function startRest(seconds, onDone) {
    setTimer(say("rest"), seconds, onDone);
    timer.rest = true; // its end is said by onDone
    announce(say("rest-started", { time: clock(seconds) }));
    startTimer(true);
  }

  function drawTimer() {
    field(screens.exercise, "timer-label").textContent = timer.label;
    field(screens.exercise, "digits").textContent = clock(timer.remaining);
    if (timer.endsAt) {
      timerButton.textContent = say("pause");
    } else {
      timerButton.textContent = say(timer.started ? "resume" : "start");
    }
    timerButton.hidden = timer.remaining <= 0;
  }

  function setTimer(label, seconds, onDone) {
    stopTimer();
    timer.label = label;
    timer.remaining = seconds;
    timer.started = false;
    timer.rest = false;
    timer.onDone = onDone;
    timerPanel.hidden = false;
    drawTimer();
  }

  function startTimer(quiet) {
    if (timer.remaining <= 0) {
      return;
    }
    if (!timer.started && !quiet) {
      announce(say("started", { time: clock(timer.remaining) }));
    }
    timer.started = true;
    timer.endsAt = Date.now() + timer.remaining * 1000;
    timer.interval = window.setInterval(tick, 250);
    drawTimer();
  }

  function pauseTimer() {
    window.clearInterval(timer.interval);
    timer.interval = null;
    timer.endsAt = null;
    drawTimer();
  }

  function stopTimer() {
    window.clearInterval(timer.interval);
    timer.interval = null;
    timer.endsAt = null;
  }

  function tick() {
    var left = Math.max(0, Math.ceil((timer.endsAt - Date.now()) / 1000));
    if (left !== timer.remaining) {
      timer.remaining = left;
      drawTimer();
      if (left === 10) {
        announce(say("ten-seconds"));
      } else if (left > 0 && left % 60 === 0) {
        var minutes = left / 60;
        announce(minutes === 1 ? say("minute-left") : say("minutes-left", { n: minutes }));
      }
    }
    if (left <= 0) {
      stopTimer();
      drawTimer();
      if (navigator.vibrate) {
        navigator.vibrate([300, 150, 300]);
      }
      if (!timer.rest) {
        announce(say("time-up"));
      }
      if (timer.onDone) {
        timer.onDone();
      }
    }
  }

  timerButton.addEventListener("click", function () {
    if (timer.endsAt) {
      pauseTimer();
    } else {
      startTimer(false);
    }
  });

  // A timed item: each set counts down, then its rest, then the next set (Pause stops it).
  function prepareWork(step, set) {
    var sets = step.sets || 1;
    var label = sets > 1 ? say("set-of", { n: set, total: sets }) : "";
    setTimer(label, step.seconds, function () {
      var r = result(step);
      r.setsTimed = Math.max(r.setsTimed, set);
      keep();
      if (set >= sets) {
        $('[data-action="done"]', screens.exercise).focus();
        return;
      }
      var next = function () {
        prepareWork(step, set + 1);
      };
      if (step.rest_seconds) {
        startRest(step.rest_seconds, function () {
          next();
          announce(say("next-set"));
          startTimer(true); // the rest flows into the next set, as a coach would count it
        });
      } else {
        next();
      }
    });
  }

  // --- 3. the end ----------------------------------------------------------------------------

  var endForm = $("[data-end-form]", screens.end);

  function elapsedMinutes() {
    var ms = state.startedAt ? Date.now() - state.startedAt : 0;
    return Math.min(240, Math.max(1, Math.ceil(ms / 60000)));
  }

  function allDone() {
    return steps.every(function (step) {
      return result(step).outcome === "done";
    });
  }

  function check(name, value) {
    var box = endForm.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (box) {
      box.checked = true;
    }
  }

  function renderEnd() {
    var end = state.end;
    endForm.reset();
    showError(screens.end, "");
    if (!end) {
      endForm.elements.minutes.value = elapsedMinutes();
      check("status", allDone() ? "completed" : "partial");
      return;
    }
    endForm.elements.minutes.value = end.minutes;
    check("status", end.status);
    if (end.rpe) {
      check("rpe", end.rpe);
    }
    (end.signs || []).forEach(function (sign) {
      check("end_signs", sign);
    });
    endForm.elements.notes.value = end.notes || "";
  }

  function readEnd() {
    var chosen = function (name) {
      var box = endForm.querySelector('input[name="' + name + '"]:checked');
      return box ? box.value : "";
    };
    return {
      minutes: endForm.elements.minutes.value,
      status: chosen("status") || "partial",
      rpe: chosen("rpe"),
      signs: ticked(endForm, "end_signs"),
      notes: endForm.elements.notes.value,
    };
  }

  endForm.addEventListener("change", function () {
    state.end = readEnd();
    keep();
  });

  $('[data-action="back"]', screens.end).addEventListener("click", function () {
    state.end = readEnd();
    if (steps.length) {
      go("exercise", steps.length - 1);
    } else {
      go("check");
    }
  });

  endForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var end = readEnd();
    state.end = end;
    keep();
    var minutes = Number(end.minutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      showError(screens.end, say("need-minutes"));
      endForm.elements.minutes.focus();
      return;
    }
    if (!end.rpe) {
      showError(screens.end, say("need-rpe"));
      return;
    }
    showError(screens.end, "");
    var body = {
      status: end.status,
      performed_on: performedOn(),
      minutes: minutes,
      rpe: Number(end.rpe),
      notes: end.notes,
      warning_signs: end.signs,
      exercises: steps.map(function (step) {
        var r = result(step);
        return {
          prescription: step.prescription,
          done: r.outcome === "done",
          sets_done: setsDone(step),
          too_hard: r.outcome === "too_hard",
        };
      }),
    };
    save(body, end.signs, $('[data-action="save"]', screens.end));
  });

  // --- saving: through the outbox ------------------------------------------------------------

  function csrfToken() {
    var input = root.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  // Only when offline.js is missing: one plain request, never claimed as kept on this phone.
  function sendDirect(body) {
    var key = window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID() : "";
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
    if (key) {
      headers["Idempotency-Key"] = key;
    }
    return fetch(config.api_url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body),
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        if (!json) {
          return { state: "failed" };
        }
        return response.json().then(function (data) {
          if (response.ok) {
            return { state: "sent", result: data };
          }
          return response.status < 500
            ? { state: "refused", message: data.detail }
            : { state: "failed" };
        });
      })
      .catch(function () {
        return { state: "failed" };
      });
  }

  function save(body, signs, button) {
    var label = button.textContent;
    button.disabled = true;
    button.textContent = say("saving");
    var outbox = window.PrenafitOutbox;
    var sending =
      outbox && outbox.save
        ? outbox.save({ url: config.api_url, body: body, label: config.label })
        : sendDirect(body);
    sending
      .then(function (outcome) {
        button.disabled = false;
        button.textContent = label;
        saved(outcome || { state: "failed" }, signs || []);
      })
      .catch(function () {
        button.disabled = false;
        button.textContent = label;
        saved({ state: "failed" }, signs || []);
      });
  }

  function saved(outcome, signs) {
    var screen = screens.saved;
    if (outcome.state === "failed") {
      var current = state.screen === "end" ? screens.end : screens.check;
      showError(current, say("not-saved"));
      return;
    }
    stopTimer();
    letSleep();
    if (outcome.state === "sent" && outcome.result && outcome.result.stop) {
      forget();
      window.location.assign(config.stop_url.replace("{id}", outcome.result.id));
      return;
    }
    var kept = outcome.state === "kept";
    var emergency = signs.some(function (sign) {
      return config.emergency_signs.indexOf(sign) !== -1;
    });
    part(screen, "emergency").hidden = !(kept && emergency);
    part(screen, "offline-safety").hidden = !(kept && signs.length);
    part(screen, "sent").hidden = outcome.state !== "sent";
    part(screen, "kept").hidden = !kept;
    var refused = part(screen, "refused");
    refused.hidden = outcome.state !== "refused";
    refused.textContent = outcome.message || "";
    // Her log page, once the server has it (kept on this phone: not yet).
    part(screen, "log-link").hidden = kept;
    forget();
    show("saved");
    if (kept && outcome.key) {
      // Sent later from this page (back online): say so here, or open the stop page.
      window.addEventListener("prenafit:sent", function onSent(event) {
        if (event.detail.key !== outcome.key) {
          return;
        }
        window.removeEventListener("prenafit:sent", onSent);
        saved({ state: "sent", result: event.detail.result }, signs);
      });
    }
  }

  // --- start ---------------------------------------------------------------------------------

  document.getElementById("guided-fallback").hidden = true;
  root.hidden = false;
  if (todayIso() < config.week_start) {
    show("not-yet");
  } else {
    render();
  }
})();
