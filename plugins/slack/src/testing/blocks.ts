/**
 * The Block Kit checks Slack applies to chat.postMessage / chat.update (a subset: the block and
 * element types this gateway sends, with Slack's documented limits). Returns the reason a list of
 * blocks would be refused with `invalid_blocks`, or null.
 */
export function blocksProblem(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return 'blocks is not an array';
  if (blocks.length > 50) return 'more than 50 blocks';
  const actionIds = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    if (!isObject(block)) return `block ${index} is not an object`;
    if (block.type === 'section') {
      const text = block.text;
      if (!isObject(text) || (text.type !== 'mrkdwn' && text.type !== 'plain_text') || typeof text.text !== 'string') return `block ${index}: section without a text object`;
      if (text.text.length === 0 || text.text.length > 3000) return `block ${index}: section text must be 1-3000 characters`;
      continue;
    }
    if (block.type === 'actions') {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) return `block ${index}: actions needs 1-25 elements`;
      for (const element of elements) {
        const problem = buttonProblem(element, actionIds);
        if (problem) return `block ${index}: ${problem}`;
      }
      continue;
    }
    return `block ${index}: unsupported type ${String(block.type)}`;
  }
  return null;
}

function buttonProblem(element: unknown, actionIds: Set<string>): string | null {
  if (!isObject(element) || element.type !== 'button') return 'an element is not a button';
  const text = element.text;
  if (!isObject(text) || text.type !== 'plain_text' || typeof text.text !== 'string' || text.text.length === 0 || text.text.length > 75) return 'a button label must be plain_text of 1-75 characters';
  if (element.value !== undefined && (typeof element.value !== 'string' || element.value.length > 2000)) return 'a button value must be a string of at most 2000 characters';
  if (typeof element.action_id !== 'string' || element.action_id.length === 0 || element.action_id.length > 255) return 'a button action_id must be 1-255 characters';
  if (actionIds.has(element.action_id)) return `action_id ${element.action_id} is used twice`;
  actionIds.add(element.action_id);
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') return 'a button style must be primary or danger';
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
