// The local stack's dashboard: polls GET /_local/metrics, draws inline-SVG charts, and sends a dropped photo to the
// invoker's function URL. Plain browser JavaScript, no CDN, no build step.
'use strict';

const COLORS = ['#2f6fde', '#e2743a', '#3a9d5d', '#8a6fd1', '#d64545', '#1aa3a3'];
const WINDOW = 120; // periods shown
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** Draws `lines` ([{name, color, points:[{t, v}], dashed}]) into the svg with id `id`. */
function drawChart(id, lines, opts) {
  const svg = $(id);
  const W = 480,
    H = 180,
    L = 40,
    R = 8,
    T = 8,
    B = 20;
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const all = lines.flatMap((l) => l.points);
  const tMin = Math.min(...all.map((p) => p.t)),
    tMax = Math.max(...all.map((p) => p.t));
  const vMax = Math.max(opts.minMax || 1, ...all.map((p) => p.v)) * 1.1;
  const x = (t) => L + (tMax > tMin ? ((t - tMin) / (tMax - tMin)) * (W - L - R) : 0);
  const y = (v) => H - B - (v / vMax) * (H - T - B);
  for (let k = 0; k <= 4; k++) {
    const v = (vMax / 4) * k;
    el('line', { class: 'axis', x1: L, x2: W - R, y1: y(v), y2: y(v) }, svg);
    el('text', { x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, svg).textContent =
      v >= 10 ? Math.round(v) : v.toFixed(1);
  }
  if (all.length) {
    el('text', { x: L, y: H - 4 }, svg).textContent = new Date(tMin).toLocaleTimeString();
    el('text', { x: W - R, y: H - 4, 'text-anchor': 'end' }, svg).textContent = new Date(
      tMax,
    ).toLocaleTimeString();
  }
  for (const line of lines) {
    if (!line.points.length) continue;
    const d = line.points
      .map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
      .join(' ');
    el(
      'path',
      {
        d,
        fill: 'none',
        stroke: line.color,
        'stroke-width': 2,
        'stroke-dasharray': line.dashed ? '4 3' : 'none',
        'data-series': line.name,
      },
      svg,
    );
  }
  svg.dataset.points = String(all.length);
  $(`legend-${svg.dataset.chart}`).innerHTML = lines
    .map((l) => `<span><i style="background:${l.color}"></i>${l.name}</span>`)
    .join('');
}

function shortName(name) {
  return name.replace(/^dogbreed-/, '');
}

/** An endpoint's blue/green update: phase, traffic share, each rollback alarm, the decision. */
function renderRollout(r) {
  const box = document.createElement('div');
  box.className = `rollout ${r.phase}`;
  const head = document.createElement('div');
  const step = r.step >= 0 ? `shift ${r.step + 1}/${r.steps.length}` : 'new fleet starting';
  head.textContent = `Update ${r.fromConfig} → ${r.toConfig} (${r.mode}, ${r.steps.join('/')} %): ${r.phase}, ${step}`;
  box.appendChild(head);
  const bar = document.createElement('div');
  bar.className = 'share';
  bar.title = `new fleet ${r.greenPercent} % of requests`;
  const green = document.createElement('div');
  green.className = 'green';
  green.style.width = `${r.greenPercent}%`;
  bar.appendChild(green);
  box.appendChild(bar);
  const share = document.createElement('div');
  share.className = 'muted';
  share.textContent = `new fleet ${r.greenPercent} % · old fleet ${100 - r.greenPercent} % of requests`;
  box.appendChild(share);
  const alarms = document.createElement('ul');
  alarms.className = 'alarms';
  for (const a of r.alarms) {
    const li = document.createElement('li');
    li.className = `alarm ${a.state}`;
    const value = a.value === null ? 'no data' : Math.round(a.value * 100) / 100;
    li.textContent = `${a.name}: ${a.state} (${a.metric} ${value}, threshold ${a.threshold})`;
    alarms.appendChild(li);
  }
  box.appendChild(alarms);
  if (r.decision) {
    const d = document.createElement('div');
    d.className = `decision ${r.decision.outcome}`;
    d.textContent = `${r.decision.outcome} at ${new Date(r.decision.at).toLocaleTimeString()}: ${r.decision.reason}`;
    box.appendChild(d);
  }
  return box;
}

const pct = (v) => (v === null || v === undefined ? 'n/a' : `${Math.round(v * 1000) / 10} %`);

/**
 * An endpoint's shadow variant and its live verdict: pairs, agreement, confidence shift, not-a-dog rates, latency
 * ratio, then each check as PASS / FAIL / N/A text; and the rollout driver's step and outcome when one ran.
 */
function renderShadow(sh, run) {
  const box = document.createElement('div');
  box.className = 'shadow';
  if (sh) {
    const v = sh.verdict;
    const f = v.figures;
    const head = document.createElement('div');
    head.textContent =
      `Shadow ${sh.variantName} (${sh.modelName}, ${sh.samplingPercent} % of requests): ${sh.state}, ` +
      `${sh.instances} instance(s), ${sh.copied} copied, ${sh.dropped} dropped. Verdict: ${v.verdict.toUpperCase()}`;
    box.appendChild(head);
    const figures = document.createElement('div');
    figures.className = 'muted';
    const notADog = f.notADog
      ? `not-a-dog serving ${pct(f.notADog.serving)}, candidate ${pct(f.notADog.candidate)}`
      : 'not-a-dog n/a (no dog output)';
    const shift = f.meanConfidenceShift === null ? 'n/a' : f.meanConfidenceShift.toFixed(3);
    const latency = f.latency
      ? `p95 latency ratio ${f.latency.p95Ratio.toFixed(2)}`
      : 'p95 latency ratio n/a';
    figures.textContent =
      `${f.compared} pairs, agreement ${pct(f.agreement)}, confidence shift ${shift}, ${notADog}, ${latency}, ` +
      `candidate errors ${f.candidateErrors}`;
    box.appendChild(figures);
    const checks = document.createElement('ul');
    checks.className = 'checks';
    for (const c of v.checks) {
      const li = document.createElement('li');
      li.className = `check ${c.result === 'n/a' ? 'na' : c.result}`;
      const value = c.value === null ? 'n/a' : Math.round(c.value * 1000) / 1000;
      li.textContent = `${c.result === 'n/a' ? 'N/A' : c.result.toUpperCase()} ${c.name}: ${value} ${c.comparator} ${c.limit}`;
      checks.appendChild(li);
    }
    box.appendChild(checks);
  }
  if (run) {
    const d = document.createElement('div');
    d.className = `decision ${run.outcome || 'running'}`;
    d.textContent = run.outcome
      ? `Shadow rollout of ${run.candidateModel}: ${run.outcome}: ${run.reason}`
      : `Shadow rollout of ${run.candidateModel}: ${run.step}` +
        (run.phaseEndsAt && run.step === 'ShadowPhase'
          ? `, verdict at ${new Date(run.phaseEndsAt).toLocaleTimeString()}`
          : '');
    box.appendChild(d);
  }
  return box;
}

function render(m) {
  const perSecond = 1000 / m.periodMs;
  const eps = m.endpoints;
  const tail = (s) => s.slice(-WINDOW);
  drawChart(
    'chart-instances',
    eps.map((e, i) => ({
      name: shortName(e.name),
      color: COLORS[i],
      points: tail(e.series).map((p) => ({ t: p.t, v: p.instances })),
    })),
    { minMax: m.autoscaling.maxInstances },
  );
  drawChart(
    'chart-invocations',
    eps.map((e, i) => ({
      name: shortName(e.name),
      color: COLORS[i],
      points: tail(e.series).map((p) => ({ t: p.t, v: p.invocations * perSecond })),
    })),
    { minMax: 1 },
  );
  drawChart(
    'chart-latency',
    eps.flatMap((e, i) => [
      {
        name: `${shortName(e.name)} p50`,
        color: COLORS[i],
        points: tail(e.series).map((p) => ({ t: p.t, v: p.modelLatencyP50Ms })),
      },
      {
        name: `${shortName(e.name)} p95`,
        color: COLORS[i],
        dashed: true,
        points: tail(e.series).map((p) => ({ t: p.t, v: p.modelLatencyP95Ms })),
      },
    ]),
    { minMax: 10 },
  );
  const ls = tail(m.lambda.series);
  drawChart(
    'chart-lambda',
    [
      {
        name: 'concurrent executions (max)',
        color: COLORS[0],
        points: ls.map((p) => ({ t: p.t, v: p.concurrentExecutions })),
      },
      { name: 'throttles', color: COLORS[4], points: ls.map((p) => ({ t: p.t, v: p.throttles })) },
      {
        name: `reserved concurrency ${m.lambda.reservedConcurrency}`,
        color: '#999',
        dashed: true,
        points: ls.map((p) => ({ t: p.t, v: m.lambda.reservedConcurrency })),
      },
    ],
    { minMax: m.lambda.reservedConcurrency },
  );

  $('endpoints').innerHTML = '';
  for (const e of eps) {
    const box = document.createElement('div');
    box.className = 'endpoint';
    const inService = e.instances.filter((i) => i.state === 'InService').length;
    box.innerHTML = `<strong>${e.name}</strong> — desired ${e.desiredInstances}, InService ${inService}`;
    const status = document.createElement('div');
    status.className = `endpoint-status ${e.endpointStatus || 'InService'}`;
    status.textContent = `${e.endpointStatus || 'InService'} · config ${e.endpointConfigName || '?'}`;
    box.appendChild(status);
    if (e.rollout) box.appendChild(renderRollout(e.rollout));
    if (e.shadow || e.shadowRollout) box.appendChild(renderShadow(e.shadow, e.shadowRollout));
    const list = document.createElement('div');
    list.className = 'instances';
    for (const inst of e.instances) {
      const chip = document.createElement('span');
      chip.className = `inst ${inst.state}`;
      chip.textContent = `${inst.id}${inst.fleet && inst.fleet !== 'blue' ? ` (${inst.fleet})` : ''} · ${inst.state} · ${inst.inFlight} in flight`;
      if (inst.state === 'InService' || inst.state === 'Pending') {
        const kill = document.createElement('button');
        kill.textContent = 'kill';
        kill.title = 'SIGKILL this instance (fault injection)';
        kill.onclick = () =>
          fetch(
            `/_local/endpoints/${encodeURIComponent(e.name)}/instances/${encodeURIComponent(inst.id)}/kill`,
            { method: 'POST' },
          );
        chip.appendChild(kill);
      }
      list.appendChild(chip);
    }
    box.appendChild(list);
    $('endpoints').appendChild(box);
  }
  const acts = eps
    .flatMap((e) => e.scalingActivities.map((a) => ({ ...a, endpoint: e.name })))
    .sort((a, b) => b.t - a.t)
    .slice(0, 30);
  $('activities').innerHTML = acts.length ? '' : '<li>none yet</li>';
  for (const a of acts) {
    const li = document.createElement('li');
    li.textContent = `${new Date(a.t).toLocaleTimeString()} ${shortName(a.endpoint)} ${a.direction} ${a.fromDesired}→${a.toDesired}: ${a.cause}`;
    $('activities').appendChild(li);
  }
  const periods = Math.max(0, ...eps.map((e) => e.series.length));
  $('status').textContent =
    `time scale ${m.timeScale} · period ${m.periodMs / 1000} s · ${periods} periods · Lambda max concurrency ${m.lambda.maxConcurrentExecutions}/${m.lambda.reservedConcurrency}, throttles ${m.lambda.totalThrottles} · updated ${new Date(m.now).toLocaleTimeString()}`;
}

async function poll() {
  try {
    const res = await fetch('/_local/metrics', { cache: 'no-store' });
    render(await res.json());
  } catch (err) {
    $('status').textContent = `metrics unavailable: ${err}`;
  }
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * "This does not look like a dog" with the dog probability, for an answer whose `dog.isDog` is false (policy flag)
 * or a 422 NOT_A_DOG (policy refuse, the probability then only in the message); '' otherwise.
 */
function notADogNote(status, body) {
  const pct = (p) => `${(p * 100).toFixed(1)}%`;
  if (status === 422 && body.error && body.error.code === 'NOT_A_DOG') {
    const m = /dog probability ([\d.]+)/.exec(body.error.message || '');
    return m
      ? `This does not look like a dog (dog probability ${pct(Number(m[1]))}).`
      : `This does not look like a dog: ${body.error.message}`;
  }
  if (body.dog && body.dog.isDog === false)
    return `This does not look like a dog (dog probability ${pct(body.dog.probability)}).`;
  return '';
}

async function predict(file) {
  const status = $('predict-status');
  const list = $('predictions');
  list.innerHTML = '';
  const dogNote = $('dog-note');
  dogNote.textContent = '';
  dogNote.hidden = true;
  const preview = $('preview');
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  status.textContent = `asking the invoker (function URL) about ${file.name}…`;
  try {
    const image = await readAsBase64(file);
    const res = await fetch('/function-url/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image, topK: 5, endpoint: $('endpoint').value }),
    });
    const body = await res.json();
    const note = notADogNote(res.status, body);
    dogNote.textContent = note;
    dogNote.hidden = !note;
    if (!res.ok) {
      const msg = (body.error && body.error.message) || body.Message || JSON.stringify(body);
      // A refused non-dog is an answer, not a failure: the note says why, the status which endpoint said it.
      status.textContent = note
        ? `no breeds: ${$('endpoint').value} refuses photos that are not dogs (422 NOT_A_DOG)`
        : `error ${res.status}: ${msg}`;
      return;
    }
    status.textContent = `top-5 from ${body.endpoint} (model ${body.modelVersion})`;
    for (const p of body.predictions) {
      const li = document.createElement('li');
      li.innerHTML = `<span class="label"></span><div><div class="bar" style="width:${(p.probability * 100).toFixed(1)}%"></div></div><span class="p">${(p.probability * 100).toFixed(1)}%</span>`;
      li.querySelector('.label').textContent = p.label;
      list.appendChild(li);
    }
  } catch (err) {
    status.textContent = `request failed: ${err}`;
  }
}

/** Says what the selected endpoint serves (from /_local/health): the default ImageNet dog model or a trained one. */
let servedModels = {};
function showModel() {
  const m = servedModels[$('endpoint').value];
  $('model-info').textContent = m
    ? `Model: ${m.description} (${m.classes} classes, ${m.modelVersion})`
    : 'Model: unknown';
}
async function loadModels() {
  try {
    const res = await fetch('/_local/health');
    servedModels = (await res.json()).models || {};
  } catch {
    servedModels = {};
  }
  showModel();
}
$('endpoint').addEventListener('change', showModel);
window.addEventListener('load', loadModels);

const drop = $('drop');
$('file').addEventListener('change', (e) => e.target.files[0] && predict(e.target.files[0]));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files[0]) predict(e.dataTransfer.files[0]);
});
window.addEventListener('load', poll);
setInterval(poll, 1000);
