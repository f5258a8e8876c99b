// Static bearer tokens, as kube-apiserver's --token-auth-file reads them: a CSV file,
// one token per line: token,user,uid[,"group1,group2"]. Read once at start.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { authenticated, type User } from './user.js';

/** Token to user; throws an Error naming the file and line for a malformed file. */
export async function loadTokenFile(path: string): Promise<Map<string, User>> {
  return parseTokenFile(await readFile(path, 'utf8'), path);
}

export function parseTokenFile(text: string, path = 'token file'): Map<string, User> {
  let records: string[][];
  try {
    // As Go's csv.Reader with FieldsPerRecord = -1 and TrimLeadingSpace.
    records = parse(text, { relax_column_count: true, ltrim: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw new Error(`token file '${path}' is not valid CSV: ${(err as Error).message}`);
  }
  const tokens = new Map<string, User>();
  records.forEach((rec) => {
    if (rec.length < 3) throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${rec.length}`);
    const [token, name, uid, groups] = rec;
    // kube-apiserver skips (and warns about) a line with an empty token.
    if (!token) return;
    // A token given twice: the later line wins, as in kube-apiserver (which warns).
    tokens.set(token, authenticated({
      name, uid,
      groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
    }));
  });
  return tokens;
}
