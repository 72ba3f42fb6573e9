import { type KeyboardEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';

/**
 * Scan or type to add a product: Enter takes the product whose code or barcode is exactly
 * what was typed (a scanner ends with Enter), otherwise the first match; matches are listed
 * to click too.
 */
export function ProductPicker({ onPick, id }: { onPick: (product: ProductWithStock) => void; id: string }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<ProductWithStock[]>([]);
  const [missing, setMissing] = useState<string | null>(null);
  const latest = useRef('');

  async function lookup(text: string): Promise<ProductWithStock[]> {
    if (!text.trim()) return [];
    return (await api.invoke('products:lookup', { query: text.trim() })).products;
  }

  function pick(product: ProductWithStock) {
    onPick(product);
    setQuery('');
    latest.current = '';
    setMatches([]);
    setMissing(null);
  }

  async function onKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const text = query.trim();
    const found = await lookup(text);
    const exact = found.find((p) => p.sku === text || p.barcode === text) ?? found[0];
    if (exact) pick(exact);
    else setMissing(text);
  }

  return (
    <div className="picker">
      <label htmlFor={id}>{t('purchase.addProduct')}</label>
      <input
        id={id}
        type="search"
        value={query}
        placeholder={t('purchase.scanHint')}
        autoComplete="off"
        onChange={(e) => {
          const text = e.target.value;
          setQuery(text);
          latest.current = text;
          setMissing(null);
          void lookup(text).then((found) => {
            if (latest.current === text) setMatches(found.slice(0, 8));
          });
        }}
        onKeyDown={(e) => void onKey(e)}
      />
      {missing ? (
        <p className="field-error" role="alert">
          {t('counter.noResults', { query: missing })}
        </p>
      ) : null}
      {matches.length > 0 && query ? (
        <ul className="picker-matches">
          {matches.map((product) => (
            <li key={product.id}>
              <button type="button" className="link" onClick={() => pick(product)}>
                {product.sku} · {product.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
