import { expect, test } from 'vitest';
import { panelNames } from '../../src/cli/panel-names.js';

test('one panel per image: <stem>_compare.png', () => {
  expect(panelNames(['hr.png', 'y0.png'])).toEqual(['hr_compare.png', 'y0_compare.png']);
});

test('images sharing a stem keep their extension; names still taken get a number', () => {
  expect(panelNames(['a.jpg', 'a.png', 'b.png'])).toEqual(['a_jpg_compare.png', 'a_png_compare.png', 'b_compare.png']);
  // a_jpg.png wants the name a.jpg got
  expect(panelNames(['a.jpg', 'a.png', 'a_jpg.png'])).toEqual(['a_jpg_compare.png', 'a_png_compare.png', 'a_jpg_2_compare.png']);
  // names differing only in case are one file on macOS and Windows disks
  expect(panelNames(['A.png', 'a.png'])).toEqual(['A_png_compare.png', 'a_png_2_compare.png']);
  const many = panelNames(['x.png', 'x.jpg', 'x.jpeg', 'x_png.png', 'x_png_2.png', 'X.PNG']);
  expect(new Set(many.map((n) => n.toLowerCase())).size).toBe(many.length);
});
