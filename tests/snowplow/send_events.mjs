// Sends one page view, one structured event and one self-describing event to a collector with the
// official Snowplow Node tracker, then exits 0 when the collector accepted every request.
//
//   node send_events.mjs <port> <get|post>
//
// Prints one JSON line: {"ok": <requests accepted>, "failed": <requests refused>}.
import { newTracker, buildPageView, buildStructEvent, buildSelfDescribingEvent } from '@snowplow/node-tracker';

const [port, method] = process.argv.slice(2);
let ok = 0;
let failed = 0;
const tracker = newTracker(
  { namespace: 'itest', appId: 'tributary-itest', encodeBase64: false },
  {
    endpoint: '127.0.0.1',
    protocol: 'http',
    port: Number(port),
    eventMethod: method,
    bufferSize: method === 'post' ? 10 : 1, // POST: one batch of 3, sent by flush()
    onRequestSuccess: () => { ok += 1; },
    onRequestFailure: (e) => { failed += 1; console.error('request failed', e.status ?? '', e.message ?? ''); },
  },
);
tracker.setUserId('user-42');
tracker.track(buildPageView({ pageUrl: 'https://shop.example/products/7', pageTitle: 'Product 7', referrer: 'https://google.com/' }));
tracker.track(buildStructEvent({ category: 'shop', action: 'add-to-basket', label: 'sku-7', property: 'red', value: 2 }));
tracker.track(buildSelfDescribingEvent({
  event: { schema: 'iglu:com.acme/checkout/jsonschema/1-0-0', data: { orderId: 'o-99', total: 12.5 } },
}));
await tracker.flush();
// The emitter may report a request's outcome after flush() resolved; wait for it (bounded).
for (let i = 0; i < 100 && ok + failed === 0; i++) await new Promise((r) => setTimeout(r, 100));
console.log(JSON.stringify({ ok, failed }));
process.exit(failed === 0 && ok > 0 ? 0 : 1);
