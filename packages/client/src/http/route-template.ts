/**
 * One form for a route template whatever the framework: `/users/:id`, `/users/:id(\\d+)` and
 * `/users/:id?` all become `/users/{id}`, the form the message contract's examples write, so one
 * route is one rollup row whichever middleware recorded it.
 */
export function routeTemplate(template: string): string {
  return template.replace(/:([A-Za-z_$][\w$]*)(?:\((?:\\.|[^)\\])*\))?[?+*]?/g, '{$1}').replace(/(^|\/)\*([A-Za-z_$][\w$]*)/g, '$1{$2}');
}
