import { describe, expect, it } from 'vitest';
import { AnswerOrder } from './answer-order.js';

describe('AnswerOrder', () => {
  it('shows answers in the order asked, whatever order they arrive in', () => {
    const order = new AnswerOrder();
    const first = order.ask();
    const second = order.ask();
    expect(order.accept(second)).toBe(true);
    expect(order.accept(first)).toBe(false);
  });

  it('shows each newer answer while requests keep overlapping (a burst of changes never starves the list)', () => {
    const order = new AnswerOrder();
    const first = order.ask();
    const second = order.ask();
    expect(order.accept(first)).toBe(true);
    const third = order.ask();
    expect(order.accept(second)).toBe(true);
    expect(order.accept(third)).toBe(true);
  });

  it('never shows an answer asked before the request changed', () => {
    const order = new AnswerOrder();
    const old = order.ask();
    order.restart();
    const current = order.ask();
    expect(order.accept(old)).toBe(false);
    expect(order.accept(current)).toBe(true);
  });
});
