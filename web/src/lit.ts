/**
 * lit-html, vendored: scripts/copy-web-assets.js copies its ES modules to
 * dist/web/assets/node_modules/lit-html/, which is where this relative import lands once compiled
 * (dist/web/assets mirrors the repository root). Templates bind values as text and attributes,
 * never as markup, so API text is escaped by construction; render() updates only what changed,
 * so focus, selection and typed text survive live updates.
 */
export {
  html,
  nothing,
  render,
  type TemplateResult,
} from '../../node_modules/lit-html/lit-html.js';
export { live } from '../../node_modules/lit-html/directives/live.js';
