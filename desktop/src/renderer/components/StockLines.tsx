/**
 * What the stock forms share (a delivery, a count): products picked into lines, each line's
 * problem shown beside its name, and one submit that checks every line before posting them
 * together. Each form keeps its own columns, checks and channel.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { describeError } from '../errors.js';

export interface StockLine {
  product: ProductWithStock;
}

export function useStockLines<L extends StockLine>(onDone: (message: string) => void) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<L[]>([]);
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function update(id: string, changes: Partial<L>) {
    setLines((current) => current.map((line) => (line.product.id === id ? { ...line, ...changes } : line)));
  }

  function clearLineError(id: string) {
    setLineErrors(({ [id]: _, ...rest }) => rest);
  }

  function remove(line: L) {
    setLines((current) => current.filter((l) => l !== line));
  }

  /**
   * Checks every line (`problemOf` says what is wrong with one, or null) and posts only when
   * none has a problem; `post` answers the message for `onDone`, and the lines are emptied.
   */
  async function submit(event: FormEvent, problemOf: (line: L) => string | null, post: () => Promise<string>) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    for (const line of lines) {
      const problem = problemOf(line);
      if (problem) problems[line.product.id] = problem;
    }
    setLineErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const message = await post();
      setLines([]);
      onDone(message);
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  return { lines, setLines, update, clearLineError, remove, lineErrors, error, busy, submit };
}

/**
 * The lines as a table: SKU, name (with the line's problem), stock, then the form's own
 * columns; `empty` in their place while there is none.
 */
export function StockLinesTable<L extends StockLine>(props: {
  testId: string;
  lines: L[];
  lineErrors: Record<string, string>;
  empty: string;
  stockHeader: string;
  headers: ReactNode;
  cells: (line: L) => ReactNode;
}) {
  const { t } = useTranslation();
  const { lines, lineErrors } = props;
  if (lines.length === 0) return <p className="empty">{props.empty}</p>;
  return (
    <table className="grid" data-testid={props.testId}>
      <thead>
        <tr>
          <th>{t('fields.sku')}</th>
          <th>{t('fields.name')}</th>
          <th className="num">{props.stockHeader}</th>
          {props.headers}
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.product.id} data-sku={line.product.sku}>
            <td>{line.product.sku}</td>
            <td>
              {line.product.name}
              {lineErrors[line.product.id] ? (
                <span className="field-error" role="alert">
                  {' '}
                  {lineErrors[line.product.id]}
                </span>
              ) : null}
            </td>
            <td className="num">{line.product.stock}</td>
            {props.cells(line)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
