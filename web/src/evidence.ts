/** Evidence bundle download (GET /v1/evidence/{id}) as a JSON file. */
import { getJson } from './api.js';
import type { TemplateResult } from './lit.js';
import { errorBox, successBox } from './shell.js';

/** Downloads the bundle; resolves to the message to show. */
export async function downloadEvidence(id: string): Promise<TemplateResult> {
  try {
    const bundle = await getJson<unknown>(`/v1/evidence/${encodeURIComponent(id)}`);
    const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${id}.evidence.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return successBox(
      `Evidence bundle ${id}.evidence.json downloaded. Verify it offline with countersign evidence verify.`,
    );
  } catch (err) {
    return errorBox(err);
  }
}
