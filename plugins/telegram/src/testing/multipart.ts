/** One file part of a multipart/form-data body. */
export interface MultipartFile {
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

/** Parses a multipart/form-data body into text fields and file parts (enough for the Bot API). */
export function parseMultipart(body: Buffer, contentType: string): { fields: Record<string, string>; files: Record<string, MultipartFile> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const fields: Record<string, string> = {};
  const files: Record<string, MultipartFile> = {};
  if (!boundary) return { fields, files };
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // skip CRLF after the delimiter and before the next
    readPart(part, fields, files);
    start = next;
  }
  return { fields, files };
}

function readPart(part: Buffer, fields: Record<string, string>, files: Record<string, MultipartFile>): void {
  const headerEnd = part.indexOf('\r\n\r\n');
  if (headerEnd === -1) return;
  const headers = part.subarray(0, headerEnd).toString('utf8');
  const content = part.subarray(headerEnd + 4);
  const name = /name="([^"]*)"/i.exec(headers)?.[1];
  if (name === undefined) return;
  const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
  if (filename === undefined) {
    fields[name] = content.toString('utf8');
    return;
  }
  const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
  files[name] = { filename, bytes: Buffer.from(content), ...(contentType ? { contentType } : {}) };
}
