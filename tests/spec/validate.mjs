// Reads [{method, path, body}] as JSON on stdin; prints [{index, route, ok, error}] for the requests
// whose body Discord's OpenAPI spec describes. Strict objects: an unknown field is an error too.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The package builds its schemas at import time with the object kind chosen then, so a strict copy
// is written beside node_modules (git-ignored) with strict objects from the start.
const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "discord-api-spec", "build", "discord-api-spec.zod.js");
const strictCopy = join(here, ".discord-api-spec.strict.mjs");
const text = readFileSync(source, "utf8");
if (!text.includes("let zObject = z.object;")) throw new Error("discord-api-spec changed its layout");
writeFileSync(strictCopy, text.replace("let zObject = z.object;", "let zObject = z.strictObject;"));
const spec = await import(pathToFileURL(strictCopy).href);

const ROUTES = [
  ["POST", /^\/interactions\/\d+\/[^/]+\/callback$/, [
    "CreateMessageInteractionCallbackRequestSchema", "UpdateMessageInteractionCallbackRequestSchema",
    "ApplicationCommandAutocompleteCallbackRequestSchema", "ModalInteractionCallbackRequestSchema",
    "PongInteractionCallbackRequestSchema"]],
  ["POST", /^\/webhooks\/\d+\/[^/]+$/, ["IncomingWebhookRequestPartialSchema", "IncomingWebhookUpdateRequestPartialSchema"]],
  ["PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/[^/]+$/, ["IncomingWebhookUpdateRequestPartialSchema"]],
  ["POST", /^\/channels\/\d+\/messages$/, ["MessageCreateRequestSchema"]],
  ["PATCH", /^\/channels\/\d+\/messages\/\d+$/, ["MessageEditRequestPartialSchema"]],
  ["PUT", /^\/applications\/\d+\/guilds\/\d+\/commands$/, ["ApplicationCommandUpdateRequestSchema[]"]],
  ["PUT", /^\/applications\/\d+\/commands$/, ["ApplicationCommandUpdateRequestSchema[]"]],
];

// Fields discord.py sends that the spec's request schemas lack, stripped before the strict check:
// "nsfw" on application commands is in Discord's documented command object but not in the
// OpenAPI ApplicationCommandUpdateRequest schema; discord.py 2.7 sends "flags" in every embed, which
// the spec's embed request schema lacks; and "tts": false on every message edit (PATCH, or a
// component's type 7 callback), where the spec has no tts.
const KNOWN_EXTRA = { ApplicationCommandUpdateRequestSchema: ["nsfw"] };

function strip(name, item) {
  const extra = KNOWN_EXTRA[name];
  if (!extra || item === null || typeof item !== "object") return item;
  const copy = { ...item };
  for (const key of extra) delete copy[key];
  return copy;
}

// discord.py sends snowflake ids (message_reference.message_id, ...) as JSON integers, which
// Discord accepts; the spec types snowflakes as strings. Integer ids become strings before the check.
function snowflakesAsStrings(value, key = "") {
  if (Array.isArray(value)) return value.map((v) => snowflakesAsStrings(v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snowflakesAsStrings(v, k)]));
  }
  if (typeof value === "number" && (key === "id" || key.endsWith("_id"))) return String(value);
  return value;
}

function stripEmbedFlags(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const copy = snowflakesAsStrings({ ...body });
  if (Array.isArray(copy.embeds)) copy.embeds = copy.embeds.map(({ flags, ...rest }) => rest);
  if (copy.data && typeof copy.data === "object") {
    copy.data = stripEmbedFlags(copy.data);
    if (copy.type === 7 && copy.data.tts === false) delete copy.data.tts;
  }
  return copy;
}

function check(name, body) {
  const many = name.endsWith("[]");
  const schema = spec[name.replace("[]", "")];
  if (!schema) return { success: false, error: `no schema ${name}` };
  if (many) {
    if (!Array.isArray(body)) return { success: false, error: "expected an array" };
    for (const item of body) {
      const r = schema.safeParse(strip(name.replace("[]", ""), item));
      if (!r.success) return r;
    }
    return { success: true };
  }
  return schema.safeParse(stripEmbedFlags(body));
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
JSON.parse(input).forEach((req, index) => {
  const route = ROUTES.find(([m, re]) => m === req.method && re.test(req.path));
  if (!route || req.body === null || req.body === undefined) return;
  const errors = [];
  let body = req.body;
  if (req.method === "PATCH" && body && body.tts === false) {
    body = { ...body };
    delete body.tts;
  }
  for (const name of route[2]) {
    const r = check(name, body);
    if (r.success) { out.push({ index, route: name, ok: true }); return; }
    errors.push(`${name}: ${JSON.stringify(r.error?.issues ?? r.error).slice(0, 600)}`);
  }
  out.push({ index, route: route[2].join("|"), ok: false, error: errors.join(" ; ") });
});
process.stdout.write(JSON.stringify(out));
