/**
 * The rich note editor (ADR 0012): ProseMirror bound to one note section's shared fragment with
 * y-prosemirror, so every keystroke is a minimal edit of the chart's Y.Doc (sealed like any
 * other local update) and remote edits are merged into the document without moving the local
 * caret. Remote carets arrive as relative positions from sealed presence (never clear
 * awareness) and are drawn as decorations.
 *
 * This is the one module outside lib/crdt that imports a Yjs binding (y-prosemirror): a recorded
 * ESLint exception (eslint.config.js, ADR 0012). It never imports yjs itself; the fragment and
 * the caret codec come opaque from lib/crdt through lib/state. Loaded lazily by NoteEditor.svelte.
 */
import { baseKeymap, chainCommands, setBlockType, toggleMark } from 'prosemirror-commands';
import { keymap } from 'prosemirror-keymap';
import { Schema, type MarkType, type NodeType } from 'prosemirror-model';
import { schema as basic } from 'prosemirror-schema-basic';
import {
  addListNodes,
  liftListItem,
  sinkListItem,
  splitListItem,
  wrapInList,
} from 'prosemirror-schema-list';
import { EditorState, Plugin, PluginKey, TextSelection, type Command } from 'prosemirror-state';
import { goToNextCell, tableEditing, tableNodes } from 'prosemirror-tables';
import { Decoration, DecorationSet, EditorView } from 'prosemirror-view';
import {
  absolutePositionToRelativePosition,
  redo,
  relativePositionToAbsolutePosition,
  undo,
  ySyncPlugin,
  ySyncPluginKey,
  yUndoPlugin,
} from 'y-prosemirror';

/** Headings, lists, bold/italic, links, tables; no images (nothing is fetched from a note). */
export const noteSchema = new Schema({
  nodes: addListNodes(basic.spec.nodes.remove('image'), 'paragraph block*', 'block').append(
    tableNodes({ tableGroup: 'block', cellContent: 'block+', cellAttributes: {} }),
  ),
  marks: basic.spec.marks,
});

const N = noteSchema.nodes;
const M = noteSchema.marks;

/** A caret as JSON relative positions (what travels in sealed presence). */
export interface CaretJson {
  anchor: unknown;
  head: unknown;
}

/** A remote person's caret in this section. */
export interface RemoteCaret {
  key: string;
  name: string;
  color: string;
  anchor: unknown;
  head: unknown;
}

export interface ToolbarState {
  bold: boolean;
  italic: boolean;
  heading: boolean;
  bulletList: boolean;
  orderedList: boolean;
  table: boolean;
}

export type ToolbarCommand = keyof ToolbarState;

interface Codec {
  toJson(position: unknown): unknown;
  fromJson(json: unknown): unknown;
  insertAt(doc: unknown, position: unknown, text: string, origin: unknown): boolean;
}

function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks ?? $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

function inNode(state: EditorState, type: NodeType): boolean {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) if ($from.node(d).type === type) return true;
  return false;
}

const toggleHeading: Command = (state, dispatch) =>
  state.selection.$from.parent.type === N.heading
    ? setBlockType(N.paragraph!)(state, dispatch)
    : setBlockType(N.heading!, { level: 2 })(state, dispatch);

function toggleList(type: NodeType): Command {
  return (state, dispatch) =>
    inNode(state, type)
      ? liftListItem(N.list_item!)(state, dispatch)
      : wrapInList(type)(state, dispatch);
}

const insertTable: Command = (state, dispatch) => {
  if (inNode(state, N.table!)) return false;
  const cell = () => N.table_cell!.createAndFill()!;
  const row = () => N.table_row!.create(null, [cell(), cell()]);
  const table = N.table!.create(null, [row(), row()]);
  if (!dispatch) return true;
  const tr = state.tr.replaceSelectionWith(table);
  // Put the caret in the first cell.
  let start = -1;
  tr.doc.descendants((node, pos) => {
    if (start >= 0) return false;
    if (node === table) start = pos;
    return start < 0;
  });
  if (start >= 0) tr.setSelection(TextSelection.near(tr.doc.resolve(start + 4)));
  dispatch(tr.scrollIntoView());
  return true;
};

const yUndo: Command = (state) => undo(state);
const yRedo: Command = (state) => redo(state);

const COMMANDS: Record<ToolbarCommand, Command> = {
  bold: toggleMark(M.strong!),
  italic: toggleMark(M.em!),
  heading: toggleHeading,
  bulletList: toggleList(N.bullet_list!),
  orderedList: toggleList(N.ordered_list!),
  table: insertTable,
};

const caretsKey = new PluginKey<RemoteCaret[]>('folio-carets');

/** Draws remote carets (a named bar) and selections from presence, never from awareness. */
function caretPlugin(codec: Codec): Plugin<RemoteCaret[]> {
  return new Plugin<RemoteCaret[]>({
    key: caretsKey,
    state: {
      init: () => [],
      apply: (tr, carets) => (tr.getMeta(caretsKey) as RemoteCaret[] | undefined) ?? carets,
    },
    props: {
      decorations(state) {
        const carets = caretsKey.getState(state) ?? [];
        const sync = ySyncPluginKey.getState(state) as
          { doc: unknown; type: unknown; binding?: { mapping: Map<unknown, unknown> } } | undefined;
        if (!sync?.binding || carets.length === 0) return null;
        const max = Math.max(state.doc.content.size - 1, 0);
        const abs = (json: unknown): number | null => {
          const rel = codec.fromJson(json);
          if (!rel) return null;
          const pos = relativePositionToAbsolutePosition(
            sync.doc as never,
            sync.type as never,
            rel as never,
            sync.binding!.mapping as never,
          );
          return pos === null ? null : Math.min(pos, max);
        };
        const decorations: Decoration[] = [];
        for (const c of carets) {
          const anchor = abs(c.anchor);
          const head = abs(c.head);
          if (anchor === null || head === null) continue;
          decorations.push(
            Decoration.widget(
              head,
              () => {
                const bar = document.createElement('span');
                bar.className = 'remote-caret';
                bar.setAttribute('aria-hidden', 'true');
                // The name is drawn by CSS from the attribute, so it is not part of the text.
                bar.dataset.name = c.name;
                bar.style.setProperty('--caret-color', c.color);
                return bar;
              },
              { key: `${c.key}:${c.name}:${c.color}`, side: 10 },
            ),
          );
          if (anchor !== head)
            decorations.push(
              Decoration.inline(Math.min(anchor, head), Math.max(anchor, head), {
                class: 'remote-selection',
                style: `background-color: ${c.color}33`,
              }),
            );
        }
        return DecorationSet.create(state.doc, decorations);
      },
    },
  });
}

/** Reports the local caret (as relative positions) after every change of it. */
function caretReporter(codec: Codec, report: (caret: CaretJson | null) => void): Plugin {
  return new Plugin({
    view: (view) => {
      let last = '';
      const send = (v: EditorView) => {
        const sync = ySyncPluginKey.getState(v.state) as
          { type: unknown; binding?: { mapping: Map<unknown, unknown> } } | undefined;
        if (!sync?.binding) return;
        if (!v.hasFocus()) {
          if (last !== 'none') report(null);
          last = 'none';
          return;
        }
        const { anchor, head } = v.state.selection;
        const rel = (pos: number) =>
          codec.toJson(
            absolutePositionToRelativePosition(
              pos,
              sync.type as never,
              sync.binding!.mapping as never,
            ),
          );
        const caret = { anchor: rel(anchor), head: rel(head) };
        const key = JSON.stringify(caret);
        if (key !== last) report(caret);
        last = key;
      };
      const blur = () => send(view);
      view.dom.addEventListener('blur', blur);
      view.dom.addEventListener('focus', blur);
      return {
        update: (v) => send(v),
        destroy: () => {
          view.dom.removeEventListener('blur', blur);
          view.dom.removeEventListener('focus', blur);
        },
      };
    },
  });
}

type SyncState = {
  doc: unknown;
  type: unknown;
  binding?: { mapping: Map<unknown, unknown>; mux(f: () => void): void };
};

/**
 * Keeps the local caret after the character it follows when a remote edit arrives.
 * y-prosemirror restores the selection from positions tied to the character to the right of
 * the caret, so when another person types at the same place their letters land between this
 * person's last letter and the caret, and the next keystroke goes after theirs: the words
 * interleave letter by letter. Here each end of the selection is also remembered by the
 * character to its left; after a remote change the caret goes right after that character
 * (or to the right-tied position if that is nearer: the left character was deleted).
 */
function caretKeeper(): Plugin {
  type Saved = { left: unknown; right: unknown } | null;
  let saved: { anchor: Saved; head: Saved } | null = null;
  const remember = (state: EditorState) => {
    const sync = ySyncPluginKey.getState(state) as SyncState | undefined;
    if (!sync?.binding) return (saved = null);
    const at = (pos: number): Saved => {
      const $pos = state.doc.resolve(pos);
      if ($pos.parentOffset === 0 || !$pos.parent.isTextblock) return null;
      const rel = (p: number) =>
        absolutePositionToRelativePosition(p, sync.type as never, sync.binding!.mapping as never);
      return { left: rel(pos - 1), right: rel(pos) };
    };
    saved = { anchor: at(state.selection.anchor), head: at(state.selection.head) };
  };
  return new Plugin({
    view: (view) => {
      remember(view.state);
      return { update: (v) => remember(v.state) };
    },
    appendTransaction(trs, _old, next) {
      const remote = trs.some(
        (tr) => (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean })?.isChangeOrigin,
      );
      if (!remote || !saved) return null;
      const sync = ySyncPluginKey.getState(next) as SyncState | undefined;
      if (!sync?.binding) return null;
      const abs = (rel: unknown) =>
        relativePositionToAbsolutePosition(
          sync.doc as never,
          sync.type as never,
          rel as never,
          sync.binding!.mapping as never,
        );
      const place = (s: Saved, fallback: number): number => {
        if (!s) return fallback;
        const left = abs(s.left);
        const right = abs(s.right);
        if (left === null) return fallback;
        const pos = right === null ? left + 1 : Math.min(left + 1, right);
        return pos >= 0 && pos <= next.doc.content.size ? pos : fallback;
      };
      const anchor = place(saved.anchor, next.selection.anchor);
      const head = place(saved.head, next.selection.head);
      if (anchor === next.selection.anchor && head === next.selection.head) return null;
      try {
        return next.tr.setSelection(TextSelection.create(next.doc, anchor, head));
      } catch {
        return null;
      }
    },
  });
}

/**
 * Plain typed characters go into the shared text first, at the exact place of the editor's own
 * caret, then into the editor. y-prosemirror alone finds a local edit by diffing the editor's
 * text with the shared text, and a diff cannot tell apart two identical neighbours: when this
 * person types a space right where another person's space just arrived, the diff files the
 * new space on the far side of theirs, this person's caret ends up before their own space, and
 * their next words follow the other person's (the same-place e2e, about one round in twelve).
 * Written first and under the binding's lock, the shared text already matches when the diff
 * runs, so it writes nothing. The origin is the binding's, so undo tracks it like any typing.
 * Composition (IME, Android keyboards) and replacements (spell-check) are left to ProseMirror.
 */
function typeThroughSharedText(codec: Codec): (view: EditorView, event: Event) => boolean {
  return (view, event) => {
    const input = event as InputEvent;
    if (input.inputType !== 'insertText' || input.isComposing || view.composing || !input.data)
      return false;
    const { from, to, empty } = view.state.selection;
    const sync = ySyncPluginKey.getState(view.state) as SyncState | undefined;
    if (!empty || !sync?.binding || !(view.state.selection instanceof TextSelection)) return false;
    const binding = sync.binding;
    const text = input.data;
    binding.mux(() => {
      const at = absolutePositionToRelativePosition(
        from,
        sync.type as never,
        binding.mapping as never,
      );
      codec.insertAt(sync.doc, at, text, ySyncPluginKey);
    });
    // Whether or not it was written above (an empty block has no text leaf yet), the editor
    // inserts it; the sync plugin then writes whatever the shared text still lacks.
    view.dispatch(view.state.tr.insertText(text, from, to).scrollIntoView());
    input.preventDefault();
    return true;
  };
}

export interface NoteEditor {
  run(command: ToolbarCommand): void;
  setCarets(carets: RemoteCaret[]): void;
  destroy(): void;
}

/**
 * Mounts an editor in `host` bound to `binding` (the section's shared fragment, opaque).
 * `labelledBy` names the element labelling it (an accessible multi-line textbox).
 */
export function createNoteEditor(options: {
  host: HTMLElement;
  binding: unknown;
  codec: Codec;
  labelledBy: string;
  /** The editable element's id (the toolbar's aria-controls). */
  id: string;
  onState(state: ToolbarState): void;
  onCaret(caret: CaretJson | null): void;
}): NoteEditor {
  const keys = keymap({
    'Mod-b': COMMANDS.bold,
    'Mod-i': COMMANDS.italic,
    'Mod-Alt-2': COMMANDS.heading,
    'Shift-Mod-8': COMMANDS.bulletList,
    'Shift-Mod-7': COMMANDS.orderedList,
    Enter: splitListItem(N.list_item!),
    Tab: chainCommands(goToNextCell(1), sinkListItem(N.list_item!)),
    'Shift-Tab': chainCommands(goToNextCell(-1), liftListItem(N.list_item!)),
    'Mod-z': yUndo,
    'Mod-y': yRedo,
    'Shift-Mod-z': yRedo,
  });
  const state = EditorState.create({
    schema: noteSchema,
    plugins: [
      ySyncPlugin(options.binding as never),
      yUndoPlugin(),
      keys,
      keymap(baseKeymap),
      tableEditing(),
      caretKeeper(),
      caretPlugin(options.codec),
      caretReporter(options.codec, options.onCaret),
    ],
  });
  const toolbar = (s: EditorState): ToolbarState => ({
    bold: markActive(s, M.strong!),
    italic: markActive(s, M.em!),
    heading: s.selection.$from.parent.type === N.heading,
    bulletList: inNode(s, N.bullet_list!),
    orderedList: inNode(s, N.ordered_list!),
    table: inNode(s, N.table!),
  });
  const view: EditorView = new EditorView(options.host, {
    state,
    attributes: {
      id: options.id,
      role: 'textbox',
      'aria-multiline': 'true',
      'aria-labelledby': options.labelledBy,
      class: 'note-editor',
      spellcheck: 'true',
    },
    handleDOMEvents: { beforeinput: typeThroughSharedText(options.codec) },
    // `this`, not `view`: y-prosemirror dispatches while the view is being constructed.
    dispatchTransaction(this: EditorView, tr) {
      this.updateState(this.state.apply(tr));
      options.onState(toolbar(this.state));
    },
  });
  options.onState(toolbar(view.state));
  return {
    run(command) {
      COMMANDS[command](view.state, view.dispatch, view);
      view.focus();
    },
    setCarets(carets) {
      view.dispatch(view.state.tr.setMeta(caretsKey, carets));
    },
    destroy: () => view.destroy(),
  };
}
