// A service of the seed's kind, on a real Node client (Debian's node-redis): reads keys the way the TypeScript
// services do (GET, then JSON.parse) and writes them the way they do (SETEX of JSON text).
//
//   node fleet-client.js read PORT KEY...          one JSON line per key: {"key", "found", "parsed", "value"|"error"}
//   node fleet-client.js write PORT KEY TTL JSON   SETEX KEY TTL JSON
const { createClient } = require('redis');

async function main() {
    const [mode, port, ...rest] = process.argv.slice(2);
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    client.on('error', (error) => { console.error(`redis: ${error.message}`); process.exit(2); });
    await client.connect();
    if (mode === 'read') {
        for (const key of rest) {
            const raw = await client.get(key);
            if (raw === null) {
                console.log(JSON.stringify({ key, found: false }));
                continue;
            }
            try {
                console.log(JSON.stringify({ key, found: true, parsed: true, value: JSON.parse(raw) }));
            } catch (error) {
                console.log(JSON.stringify({ key, found: true, parsed: false, error: error.message }));
            }
        }
    } else if (mode === 'write') {
        const [key, ttl, json] = rest;
        await client.setEx(key, Number(ttl), json);
    } else {
        console.error('usage: fleet-client.js read PORT KEY... | write PORT KEY TTL JSON');
        process.exit(2);
    }
    await client.quit();
}

main().catch((error) => { console.error(error.message); process.exit(1); });
