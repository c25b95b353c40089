import { describe, expect, it } from 'vitest';
import { routeTemplate } from '../src/http/route-template.js';

describe('routeTemplate', () => {
  it.each([
    ['/users/:id', '/users/{id}'],
    ['/users/:id/orders/:orderId', '/users/{id}/orders/{orderId}'],
    ['/users/:id(\\d+)', '/users/{id}'],
    ['/files/:name?', '/files/{name}'],
    ['/files/*path', '/files/{path}'],
    ['/users/{id}', '/users/{id}'],
    ['/search', '/search'],
    ['/v1/:kind.json', '/v1/{kind}.json'],
  ])('%s → %s', (input, expected) => {
    expect(routeTemplate(input)).toBe(expected);
  });
});
