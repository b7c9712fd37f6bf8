// Loaded into the test page next to the adaptivecards bundle: renders one card synchronously in #host
// at the given width with the given host config, then measures it (see CardMeasure in card-renderer.ts).
/* global document, getComputedStyle, Node, NodeFilter */
globalThis.measureCard = function measureCard(input) {
  const ac = globalThis.AdaptiveCards;
  const host = document.getElementById('host');
  host.innerHTML = '';
  host.style.width = `${input.width}px`;
  const card = new ac.AdaptiveCard();
  card.hostConfig = new ac.HostConfig(input.hostConfig);
  const context = new ac.SerializationContext();
  card.parse(input.card, context);
  const warnings = [];
  for (let i = 0; i < context.eventCount; i++) warnings.push(`parse: ${context.getEventAt(i).message ?? ''}`);
  for (const e of card.validateProperties().validationEvents) warnings.push(`validation: ${e.message ?? ''}`);
  const root = card.render();
  if (!root)
    return { width: 0, height: 0, warnings: [...warnings, 'render: nothing rendered'], overflowing: [], clipped: [], lowContrast: [], buttons: [], brokenHashes: [], text: '' };
  host.appendChild(root);
  const box = root.getBoundingClientRect();

  const describe = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };

  const overflowing = [];
  const clipped = [];
  for (const el of root.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > box.right + 0.5 || r.left < box.left - 0.5)
      overflowing.push(`${describe(el)} spans ${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)} of ${Math.round(box.width)}`);
    const style = getComputedStyle(el);
    const hasText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
    if (!hasText) continue;
    const hides = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
    if (hides && el.scrollWidth > el.clientWidth + 1) clipped.push(`${describe(el)} needs ${el.scrollWidth}px, shows ${el.clientWidth}px`);
    if (style.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1) clipped.push(`${describe(el)} needs ${el.scrollHeight}px high, shows ${el.clientHeight}px`);
  }
  if (root.scrollWidth > root.clientWidth + 1) overflowing.push(`the card scrolls: ${root.scrollWidth}px in ${root.clientWidth}px`);

  const rgba = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const [r, g, b, a] = m[1]
      .split(/[ ,/]+/)
      .filter(Boolean)
      .map(Number);
    return [r, g, b, a === undefined || Number.isNaN(a) ? 1 : a];
  };
  const backgroundOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const [r, g, b, a] = rgba(getComputedStyle(e).backgroundColor);
      if (a > 0) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const lowContrast = [];
  for (const el of root.querySelectorAll('*')) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
    if (!hasText || !visible(el)) continue;
    const bg = backgroundOf(el);
    const [r, g, b, a] = rgba(getComputedStyle(el).color);
    const fg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5) lowContrast.push(`${describe(el)} ${ratio.toFixed(1)}:1`);
  }

  // Hashes a line break cuts in two (in text that is not a hash block of its own).
  const brokenHashes = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of (node.textContent ?? '').matchAll(/[0-9a-fA-F]{32,64}/g)) {
      if (match[0].length === (node.textContent ?? '').trim().length) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) brokenHashes.push(match[0]);
    }
  }

  const buttons = [...root.querySelectorAll('button.ac-pushButton')].filter(visible).map((el) => {
    const r = el.getBoundingClientRect();
    return { title: (el.textContent ?? '').trim(), top: Math.round(r.top - box.top), row: 0 };
  });
  const tops = [...new Set(buttons.map((b) => b.top))].sort((x, y) => x - y);
  for (const b of buttons) b.row = tops.indexOf(b.top);

  return {
    width: Math.round(box.width),
    height: Math.round(box.height),
    warnings,
    overflowing,
    clipped,
    lowContrast,
    buttons,
    brokenHashes,
    text: root.innerText,
  };
};
