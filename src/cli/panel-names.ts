import { basename, extname } from 'node:path';

// `eval --out` writes one comparison panel per scored image. Images are named by their files,
// and `a.png` next to `a.jpg` must not both become a_compare.png (the second would silently
// replace the first).

/** Case folded: on macOS and Windows disks A_compare.png and a_compare.png are one file. */
const key = (s: string) => s.toLowerCase();

/**
 * One distinct panel file name per image name, in order: `<stem>_compare.png`; stems that
 * several images share keep their extension (`a_png_compare.png`, `a_jpg_compare.png`); any
 * name still taken gets a number (`_2`, `_3`, ...).
 */
export function panelNames(names: readonly string[]): string[] {
  const stem = (n: string) => basename(n, extname(n));
  const sharing = new Map<string, number>();
  for (const n of names) sharing.set(key(stem(n)), (sharing.get(key(stem(n))) ?? 0) + 1);
  const wanted = names.map((n) => (sharing.get(key(stem(n)))! > 1 ? `${stem(n)}_${extname(n).slice(1)}` : stem(n)));
  const used = new Set<string>();
  return wanted.map((w) => {
    let name = w;
    for (let k = 2; used.has(key(name)); k++) name = `${w}_${k}`;
    used.add(key(name));
    return `${name}_compare.png`;
  });
}
