/**
 * The new part of a mail body: what the sender wrote above the quoted previous message and the
 * signature. Cuts at the first reply header ("On … wrote:", "Le … a écrit :", Outlook's
 * "-----Original Message-----" or "From: … Sent:" block, a line of underscores), at the signature
 * delimiter "-- " and common "Sent from my …" lines, and drops ">"-quoted lines anywhere.
 */
export function stripQuotedText(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (isCutLine(line, lines[index + 1])) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

const REPLY_HEADER = /^\s*(On\s.{1,300}\swrote:|Le\s.{1,300}\sa écrit\s?:|Am\s.{1,300}\sschrieb\s.{0,200}:|El\s.{1,300}\sescribió:)\s*$/i;
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$/i;
const SENT_FROM = /^\s*(Sent from my |Sent from Mail for |Get Outlook for |Envoyé de mon )/i;

function isCutLine(line: string, next: string | undefined): boolean {
  if (line === '-- ' || line === '--') return true;
  if (REPLY_HEADER.test(line) || ORIGINAL_MESSAGE.test(line) || SENT_FROM.test(line)) return true;
  if (/^_{10,}\s*$/.test(line)) return true;
  // "On Mon, 1 Jan 2026 at 10:00, Someone <a@b>" + "wrote:" on the next line (wrapped by the client).
  if (/^\s*On\s.{1,300}$/i.test(line) && next !== undefined && /^\s*.{0,200}wrote:\s*$/i.test(next) && /\d/.test(line)) return true;
  // Outlook: "From: Name <addr>" followed by "Sent: …" (or "Date:").
  return /^\s*From:\s.+$/i.test(line) && next !== undefined && /^\s*(Sent|Date):\s/i.test(next);
}
