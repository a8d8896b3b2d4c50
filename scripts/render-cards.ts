/**
 * `npm run cards:render`: every card template, bound with its sample data (cards/samples.ts), rendered
 * to PNG by the official Adaptive Cards renderer in headless Chromium, into docs/cards/. The README
 * shows these pictures. Needs Debian's chromium (`apt-get install chromium`) or CHROMIUM_PATH.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expandTemplate } from '../cards/render.js';
import { CARD_SAMPLES } from '../cards/samples.js';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs', 'cards');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const renderer = readFileSync(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
const only = process.argv.slice(2);
const templates = readdirSync(join(root, 'cards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .filter((t) => only.length === 0 || only.includes(t));

/** A Teams-like light theme for the renderer (fonts, colours, spacing). */
const hostConfig = {
  fontFamily: "'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif",
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E1DFDD' },
  fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#7F85F5' },
        good: { default: '#0E7A0B', subtle: '#13A10E' },
        warning: { default: '#835B00', subtle: '#C19C00' },
        attention: { default: '#C4314B', subtle: '#D13438' },
      },
    },
    emphasis: { backgroundColor: '#F5F5F5', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
  },
  actions: { maxActions: 6, buttonSpacing: 8, showCard: { actionMode: 'inline' }, actionsOrientation: 'horizontal', actionAlignment: 'left' },
  factSet: { title: { weight: 'bolder', size: 'default', maxWidth: 180, wrap: true }, value: { wrap: true }, spacing: 8 },
  inputs: { label: { requiredInputs: { weight: 'bolder', suffix: ' *' }, optionalInputs: { weight: 'bolder' } } },
};

const page = `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #F5F5F5; font-family: 'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif; }
#frame { width: 520px; margin: 16px; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.2); overflow: hidden; }
.ac-pushButton { background: #fff; border: 1px solid #D1D1D1; border-radius: 4px; padding: 5px 12px; font-weight: 600; color: #242424; font-family: inherit; }
.ac-input { font-family: inherit; font-size: 14px; padding: 5px 8px; border: 1px solid #D1D1D1; border-radius: 4px; }
.ac-actionSet { flex-wrap: wrap !important; row-gap: 8px; }
.ac-actionSet > .ac-pushButton { flex: 0 0 auto !important; }
code { font-family: Consolas, 'DejaVu Sans Mono', monospace; background: #F0F0F0; padding: 0 3px; border-radius: 3px; }
</style><script>${renderer}</script></head><body><div id="frame"></div><script>
function md(text) {
  const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return esc
    .replace(/\`([^\`]+)\`/g, '<code>$1</code>')
    .replace(/\\*\\*([^*]+)\\*\\*/g, '<b>$1</b>')
    .replace(/\\[([^\\]]+)\\]\\(([^)]+)\\)/g, '<a href="$2">$1</a>')
    .replace(/\\n/g, '<br>');
}
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => { result.outputHtml = md(text); result.didProcess = true; };
window.renderCard = (card, hostConfig) => {
  const ac = new AdaptiveCards.AdaptiveCard();
  ac.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  ac.parse(card);
  const el = ac.render();
  const frame = document.getElementById('frame');
  frame.innerHTML = '';
  frame.appendChild(el);
};
</script></body></html>`;

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  mkdirSync(out, { recursive: true });
  const tab = await browser.newPage({ viewport: { width: 560, height: 800 }, deviceScaleFactor: 1 });
  await tab.setContent(page);
  for (const name of templates) {
    const sample = CARD_SAMPLES[name];
    if (!sample) throw new Error(`cards/samples.ts has no sample for ${name}`);
    const card = expandTemplate(name, sample);
    await tab.evaluate(([c, h]) => (window as unknown as { renderCard: (a: unknown, b: unknown) => void }).renderCard(c, h), [card, hostConfig] as const);
    await tab.locator('#frame').screenshot({ path: join(out, `${name}.png`) });
    console.log(`docs/cards/${name}.png`);
  }
} finally {
  await browser.close();
}
