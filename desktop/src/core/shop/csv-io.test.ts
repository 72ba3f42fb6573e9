import { describe, expect, it } from 'vitest';
import { offlineStationsPerTest } from '../../../../test/support/offline-stations.js';

const station = offlineStationsPerTest();

const FILE = [
  'Código;Nombre;Precio;Coste;Proveedor;Categoría;Stock mínimo;Color',
  'A-1;Aceite de oliva 1 l;8,95;6,10;Distribuidora Sur;Almacén;4;verde',
  'A-2;"Arroz; largo";1.234,50;;;Almacén;;',
  'A-3;Sin precio;;1,00;;;;',
  'A-4;Harina;barato;;Nadie;;;',
  'A-1;Aceite repetido;9,00;;;;;',
  'EXIST;Producto existente, renombrado;2,50;;;;;',
].join('\r\n');

describe('CSV import and export', () => {
  it('previews every line with its errors and writes nothing', async () => {
    const s = await station();
    s.shop.save('providers', { name: 'Distribuidora Sur' });
    const existing = s.shop.save('products', { sku: 'EXIST', name: 'Antes', price: 100, active: true });
    const before = s.dump();
    const preview = s.csv.preview('products', FILE);
    expect(s.dump()).toEqual(before);
    expect(preview.ignoredColumns).toEqual(['Color']);
    expect(preview.lines.map((l) => [l.line, l.action, l.errors.map((e) => `${e.field}:${e.code}`)])).toEqual([
      [2, 'create', []],
      [3, 'create', []],
      [4, 'skip', ['price:required']],
      [5, 'skip', ['price:notMoney', 'provider:unknownProvider']],
      [6, 'skip', ['sku:duplicateInFile']],
      [7, 'update', []],
    ]);
    expect(preview.lines[0]?.values).toMatchObject({ sku: 'A-1', price: 895, cost: 610, minStock: 4, active: true });
    expect(preview.lines[1]?.values).toMatchObject({ name: 'Arroz; largo', price: 123450, cost: null });
    expect(preview.lines[5]?.values).toMatchObject({ id: existing.id, name: 'Producto existente, renombrado' });
    expect([preview.creates, preview.updates, preview.errors]).toEqual([2, 1, 3]);
  });

  it('imports the good lines as one write group and skips the bad ones', async () => {
    const s = await station();
    const provider = s.shop.save('providers', { name: 'Distribuidora Sur' });
    s.shop.save('products', { sku: 'EXIST', name: 'Antes', price: 100, active: true });
    const groups: number[] = [];
    s.store.on('written', ({ count }) => groups.push(count));
    expect(s.csv.importCsv('products', FILE)).toEqual({ created: 2, updated: 1, skipped: 3 });
    expect(groups).toEqual([3]);
    const bySku = new Map(s.dump().tables.products.map((p) => [p.sku, p]));
    expect(bySku.get('A-1')).toMatchObject({
      name: 'Aceite de oliva 1 l',
      price: 895,
      providerId: provider.id,
      minStock: 4,
    });
    expect(bySku.get('EXIST')?.name).toBe('Producto existente, renombrado');
    expect(bySku.has('A-3')).toBe(false);
  });

  it('exports what it imports: a round trip changes nothing', async () => {
    const s = await station();
    s.shop.save('providers', { name: 'Sur' });
    s.csv.importCsv('products', 'sku,name,price,provider,active\nX-1,"Queso, curado",12.5,Sur,1\nX-2,Pan,0.95,,0\n');
    const exported = s.csv.exportCsv('products');
    expect(exported.split('\r\n')[0]).toBe('sku,barcode,name,category,price,cost,provider,minStock,active');
    expect(exported).toContain('X-1,,"Queso, curado",,12.50,,Sur,,1');
    const preview = s.csv.preview('products', exported);
    expect(preview.lines.map((l) => l.action)).toEqual(['update', 'update']);
    const groups: number[] = [];
    s.store.on('written', ({ count }) => groups.push(count));
    s.csv.importCsv('products', exported);
    const after = s.dump().tables.products.map((p) => [p.sku, p.name, p.price, p.active, p.providerId !== null]);
    expect(after.sort()).toEqual([
      ['X-1', 'Queso, curado', 1250, true, true],
      ['X-2', 'Pan', 95, false, false],
    ]);
  });

  it('imports customers and providers, and refuses a file without the needed columns or a role that may not write', async () => {
    const s = await station([{ username: 'caja', role: 'cashier' }]);
    expect(s.csv.importCsv('customers', 'nombre;correo\nLucía;lucia@example.com\nPepe;no-es-correo\n')).toEqual({
      created: 1,
      updated: 0,
      skipped: 1,
    });
    expect(() => s.csv.preview('customers', 'correo\nx@y.z\n')).toThrow(/no column for: name/);
    expect(() => s.csv.preview('providers', 'nombre\nSur\n')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => s.csv.preview('users' as 'products', 'x\n')).toThrow(/cover products, providers, customers/);
  });
});
