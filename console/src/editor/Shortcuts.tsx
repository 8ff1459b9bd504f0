// The shortcut sheet (`?`): every key the editor answers.
import type { RefObject } from "react";

const KEYS: [string, string][] = [
  ["Tab / Shift+Tab", "Move between the library, the blocks, the panel"],
  ["Enter on a block", "Select it and open its panel"],
  ["Enter on a library block", "Insert it after the selected block, linked"],
  ["Arrow keys on a selected block", "Move it"],
  ["Delete / Backspace", "Delete the selected blocks or link"],
  ["Ctrl+C / Ctrl+V", "Copy the selected blocks as Sekoia JSON / paste blocks (new ids, references follow)"],
  ["Ctrl+D", "Duplicate the selected blocks"],
  ["Shift+click or Ctrl+click, Shift+drag", "Select several blocks, or a box of them"],
  ["Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "Undo / redo"],
  ["Ctrl+S", "Save"],
  ["Ctrl+scroll, +/- buttons", "Zoom"],
  ["?", "This sheet"],
];

export function Shortcuts({ dialog }: { dialog: RefObject<HTMLDialogElement | null> }) {
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {KEYS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}
