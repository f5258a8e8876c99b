// generateName: Kubernetes appends five characters from an alphabet without vowels
// (so no words are spelled) and without look-alike characters.
import { randomInt } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_PREFIX = 63 - 5;

export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return (prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix) + suffix;
}
