import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { useCommon } from '../i18n/common.js';
import { LOCALES, useLang } from '../i18n/i18n.js';

/** One column of a {@link DataTable}. */
export interface Column<R> {
  /** Stable key; also the value of `sort=` in the URL. */
  key: string;
  header: string;
  cell: (row: R) => ComponentChildren;
  /** Value to sort by; a column without one cannot be sorted. Null sorts last. */
  sortValue?: (row: R) => string | number | null | undefined;
  /** Right-aligned figures. */
  numeric?: boolean;
  /** The row's header cell (`<th scope="row">`), e.g. the school's name. */
  rowHeader?: boolean;
}

/** The order of a table: a column key and a direction. */
export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
}

/** Reads `sort=key` / `sort=-key` from the URL form. */
export function parseSort(value: string | null): SortState | undefined {
  if (!value) return undefined;
  return value.startsWith('-') ? { key: value.slice(1), dir: 'desc' } : { key: value, dir: 'asc' };
}

/** The URL form of a {@link SortState}. */
export function formatSort(sort: SortState): string {
  return sort.dir === 'desc' ? `-${sort.key}` : sort.key;
}

/** The sort a click on `key` gives: ascending first, then toggling. */
export function nextSort(current: SortState | undefined, key: string): SortState {
  if (current?.key !== key) return { key, dir: 'asc' };
  return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
}

/**
 * A table whose sortable headers are buttons: keyboard users sort with
 * Enter or Space, and `aria-sort` tells screen readers the order. The
 * order is the caller's (kept in the URL); the table only applies it.
 */
export function DataTable<R>(props: {
  caption: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  sort?: SortState | undefined;
  onSort?: (sort: SortState) => void;
  /** Hide the caption visually (it stays for screen readers). */
  captionHidden?: boolean;
}) {
  const t = useCommon();
  const { lang } = useLang();
  const sorted = useMemo(() => {
    const column = props.columns.find((c) => c.key === props.sort?.key);
    if (column?.sortValue === undefined || props.sort === undefined) return props.rows;
    const collator = new Intl.Collator(LOCALES[lang], { numeric: true, sensitivity: 'base' });
    const sign = props.sort.dir === 'asc' ? 1 : -1;
    const value = column.sortValue;
    return [...props.rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const aMissing = va === null || va === undefined;
      const bMissing = vb === null || vb === undefined;
      if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
      if (typeof va === 'number' && typeof vb === 'number') return sign * (va - vb);
      return sign * collator.compare(String(va), String(vb));
    });
  }, [props.rows, props.columns, props.sort, lang]);

  return (
    <div class="table-wrap">
      <table>
        <caption class={props.captionHidden ? 'visually-hidden' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const active = props.sort?.key === c.key ? props.sort : undefined;
              const ariaSort = active ? (active.dir === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined} aria-sort={ariaSort}>
                  {c.sortValue !== undefined && props.onSort !== undefined ? (
                    <button
                      type="button"
                      class="sort"
                      onClick={() => props.onSort?.(nextSort(props.sort, c.key))}
                    >
                      {c.header}
                      <span class="sort-mark" aria-hidden="true">
                        {active ? (active.dir === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length}>{t('no_rows')}</td>
            </tr>
          ) : (
            sorted.map((row) => (
              <tr key={props.rowKey(row)}>
                {props.columns.map((c) =>
                  c.rowHeader ? (
                    <th key={c.key} scope="row">
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={c.key} class={c.numeric ? 'num' : undefined}>
                      {c.cell(row)}
                    </td>
                  ),
                )}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
