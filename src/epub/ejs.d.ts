/** The part of ejs (no type package of its own) lectern uses. */
declare module 'ejs' {
  export function render(template: string, data?: Record<string, unknown>): string;
  const ejs: { render: typeof render };
  export default ejs;
}
