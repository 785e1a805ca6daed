import { Webhook } from "svix";

// Placeholder from the docs: not a secret.
const docsExample = process.env.SVIX_SECRET ?? "whsec_<your secret>";
const wh = new Webhook("@@SVIX_WHSEC@@");

export function verify(payload: string, headers: Record<string, string>) {
  return wh.verify(payload, headers);
}
