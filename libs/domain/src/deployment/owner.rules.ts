import type { Owner } from '@baseliner/contracts';

// Names that stand for a group, a role or nobody at all. Matched on whole words after normalising.
const PLACEHOLDER_NAMES = new Set([
  'everyone', 'everybody', 'all', 'all of us', 'anyone', 'anybody', 'nobody', 'no one', 'noone', 'none', 'n/a', 'na',
  'tbd', 'tba', 'tbc', 'to be decided', 'to be determined', 'unknown', 'unassigned', 'owner', 'admin', 'admins',
  'us', 'we', 'me', 'someone', 'somebody', 'various', 'shared', 'multiple', 'test', 'todo', '-', '?',
]);
const GROUP_WORDS = [
  'team', 'teams', 'group', 'groups', 'department', 'dept', 'squad', 'committee', 'board', 'staff', 'crew', 'unit',
  'office', 'guild', 'tribe', 'chapter', 'org', 'organisation', 'organization', 'division', 'council', 'everyone',
  'everybody', 'people', 'folks', 'members', 'stakeholders', 'owners', 'leads',
];
const GROUP_MAILBOXES = new Set([
  'team', 'all', 'everyone', 'staff', 'info', 'admin', 'support', 'noreply', 'no-reply', 'ops', 'it', 'group', 'help',
  'contact', 'office', 'hello',
]);

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/[._]+/g, ' ').replace(/\s+/g, ' ');
}

/**
 * Why `owner` is not one accountable person, or undefined when it is. Accountability does not
 * spread: "the team" owns nothing, so the message asks for a person by name.
 */
export function whyOwnerIsNotAPerson(owner: Owner): { field: string; message: string } | undefined {
  const ask = 'name one accountable person (for example "Dana Reyes"), not a team, a role or a placeholder';
  const name = normalise(owner.name);
  if (!/\p{L}/u.test(name)) return { field: 'owner.name', message: `"${owner.name}" is not a name: ${ask}` };
  const words = name.split(/[\s/&,+-]+/).filter(Boolean);
  if (PLACEHOLDER_NAMES.has(name) || PLACEHOLDER_NAMES.has(name.replace(/^the /, ''))) {
    return { field: 'owner.name', message: `"${owner.name}" is not a person: ${ask}` };
  }
  if (words.some((w) => GROUP_WORDS.includes(w))) {
    return { field: 'owner.name', message: `"${owner.name}" names a group: ${ask}` };
  }
  if (/\b(and)\b|&|,|\//.test(owner.name.toLowerCase())) {
    return { field: 'owner.name', message: `"${owner.name}" names more than one person: ${ask}` };
  }
  const mailbox = owner.email.split('@')[0]?.toLowerCase() ?? '';
  if (GROUP_MAILBOXES.has(mailbox) || GROUP_WORDS.some((w) => mailbox.split(/[.\-_+]/).includes(w))) {
    return { field: 'owner.email', message: `"${owner.email}" looks like a shared mailbox: give the owner's own address` };
  }
  return undefined;
}
