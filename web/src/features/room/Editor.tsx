/**
 * The CodeMirror view of the room's document. It registers for what the socket
 * says (hello, update, conflict, presence) and hands it to the sync plugin and
 * the peer cursors; the document itself never goes through Redux state.
 */
import { sendableUpdates } from "@codemirror/collab";
import { Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { useEffect, useRef } from "react";
import { addAppListener, useAppDispatch, useAppSelector, useAppStore } from "../../app/hooks";
import type { HelloMessage } from "../../protocol/messages";
import { fetchSuggestion, suggestionCleared, suggestionShown } from "../autocomplete/autocompleteSlice";
import { ghostText } from "../autocomplete/ghostText";
import {
  conflictReceived,
  helloReceived,
  messageSent,
  peerLeft,
  presenceReceived,
  resyncRequested,
  serverErrorReceived,
  socketClosed,
  updateReceived,
} from "../connection/actions";
import { followStarted, followStopped, followTypistStarted, isFollowing } from "../follow/followSlice";
import { followScroll, ownMoves } from "../follow/followScroll";
import {
  initialPeerCursors,
  peerCursor,
  peerCursors,
  peerCursorsField,
  peerMoved,
  peerRemoved,
  peersReset,
} from "../peers/peerCursors";
import { cleanName } from "../peers/displayName";
import { presenceReporter, presenceTransport } from "../peers/presenceReporter";
import { collabSync, type SyncTransport, syncPlugin } from "./collabPlugin";
import { exposeDebugHandle } from "./debugHandle";
import { documentRules } from "./documentRules";
import { editorSetup } from "./editorSetup";
import { languageExtension } from "./languages";
import { registerLiveEditor } from "./liveEditor";
import { documentLoaded, noticeShown, syncProgressed } from "./roomSlice";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Server error codes that never answer a push (PROTOCOL.md v2: runs, view-only links). */
const NOT_ABOUT_PUSHES = new Set(["output_limit", "read_only"]);

/**
 * `covered`: another view (History) lies over the editor. The editor is then
 * inert: out of reach of Tab, clicks and find-in-page, so that no keystroke
 * lands in shared text its typist cannot see.
 */
export function Editor({ covered = false }: { covered?: boolean }) {
  const dispatch = useAppDispatch();
  const store = useAppStore();
  const parent = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const language = useRef(new Compartment()).current;
  const currentLanguage = useAppSelector((s) => s.room.language);
  const myName = useAppSelector((s) => s.peers.myName);
  const loaded = useAppSelector((s) => s.room.loaded);
  const readOnly = useAppSelector((s) => s.room.role === "viewer");

  useEffect(() => {
    const transport: SyncTransport = {
      send: (message) => dispatch(messageSent(message)),
      resync: (fresh, reason) => dispatch(resyncRequested({ fresh, reason })),
      report: (progress) => dispatch(syncProgressed(progress)),
    };
    const presence = presenceTransport.of({
      send: (selection, viewport) => {
        const name = cleanName(store.getState().peers.myName);
        dispatch(
          messageSent(name ? { type: "presence", selection, name, viewport } : { type: "presence", selection, viewport }),
        );
      },
    });
    // A viewer's presence carries only its name (the server ignores the rest).
    const sendViewerName = () => {
      const name = cleanName(store.getState().peers.myName);
      if (name) dispatch(messageSent({ type: "presence", selection: null, name }));
    };
    const stopFollowingOnOwnMove = ownMoves(() => {
      if (isFollowing(store.getState())) dispatch(followStopped());
    });
    const ghost = ghostText({
      suggest: (request, signal) => {
        const pending = dispatch(fetchSuggestion(request));
        signal.addEventListener("abort", () => pending.abort());
        return pending.unwrap();
      },
      language: () => store.getState().room.language,
      onChange: (g) => dispatch(g ? suggestionShown(g.text) : suggestionCleared()),
    });

    const createState = (hello: HelloMessage, text: string, selection?: EditorSelection) => {
      const watching = hello.role === "viewer";
      return EditorState.create({
        doc: text,
        selection,
        extensions: [
          editorSetup,
          language.of(languageExtension(store.getState().room.language)),
          collabSync(hello.version, hello.clientId, transport),
          documentRules((reason) => dispatch(noticeShown(reason))),
          peerCursors,
          stopFollowingOnOwnMove,
          // A viewer's link only watches: no typing, no suggestions, no cursor to share.
          watching ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : [presence, presenceReporter, ghost],
          EditorView.contentAttributes.of({ "data-testid": "editor-content", "aria-label": "Code editor" }),
        ],
      });
    };

    /** Scroll to keep the followed peer in view, if we follow anyone. */
    const keepFollowedInView = (clientId?: string) => {
      const view = viewRef.current;
      const { follow, peers } = store.getState();
      if (!view || follow.target === null || (clientId !== undefined && clientId !== follow.target)) return;
      const cursor = view.state.field(peerCursorsField).find((c) => c.clientId === follow.target);
      if (!cursor) return;
      view.dispatch({ effects: followScroll(view, cursor.head, peers.byId[follow.target]?.viewport) });
    };

    const onHello = (hello: HelloMessage) => {
      let view = viewRef.current;
      if (hello.text === null) {
        const synced = store.getState().room.version;
        if (!view || hello.version !== synced) {
          dispatch(resyncRequested({ fresh: true, reason: `hello at version ${hello.version}, editor at ${synced}` }));
          return;
        }
      } else if (!view) {
        view = new EditorView({ parent: parent.current!, state: createState(hello, hello.text) });
        viewRef.current = view;
        dispatch(documentLoaded({ version: hello.version }));
      } else {
        // The server no longer has the updates we missed (or we are ahead of it):
        // start over from its text; edits it never got cannot be rebased.
        const old = view.state;
        const unsent = sendableUpdates(old).length;
        if (unsent) {
          dispatch(
            noticeShown(
              `${plural(unsent, "edit")} made while disconnected could not be merged: the server no longer had the history to merge them with. The document was reloaded from the server.`,
            ),
          );
        } else if (old.doc.toString() !== hello.text) {
          dispatch(noticeShown("The document was reloaded from the server."));
        }
        const length = hello.text.length;
        const { anchor, head } = old.selection.main;
        const selection = EditorSelection.single(Math.min(anchor, length), Math.min(head, length));
        const hadFocus = view.hasFocus;
        view.setState(createState(hello, hello.text, selection));
        if (hadFocus) view.focus();
        dispatch(documentLoaded({ version: hello.version }));
      }
      const peers = hello.peers.filter((p) => p.clientId !== hello.clientId);
      view.dispatch({ effects: peersReset.of(initialPeerCursors(view.state, peers)) });
      view.plugin(syncPlugin)?.connected(hello.text === null, hello.latestVersion ?? null);
      view.plugin(presenceReporter)?.announce();
      if (hello.role === "viewer") sendViewerName();
    };

    const sync = () => viewRef.current?.plugin(syncPlugin) ?? null;
    const ownId = () => store.getState().peers.selfId;
    const unsubscribe = [
      dispatch(addAppListener({ actionCreator: helloReceived, effect: ({ payload }) => onHello(payload) })),
      dispatch(
        addAppListener({
          actionCreator: updateReceived,
          effect: ({ payload }) => {
            sync()?.receive(payload);
            keepFollowedInView(payload.clientId);
          },
        }),
      ),
      dispatch(addAppListener({ actionCreator: conflictReceived, effect: ({ payload }) => sync()?.conflict(payload) })),
      dispatch(
        addAppListener({
          actionCreator: serverErrorReceived,
          // Errors about runs and a viewer's requests say nothing of the push in flight.
          effect: ({ payload }) => {
            if (!NOT_ABOUT_PUSHES.has(payload.code)) sync()?.error();
          },
        }),
      ),
      dispatch(addAppListener({ actionCreator: socketClosed, effect: () => sync()?.disconnected() })),
      dispatch(
        addAppListener({
          actionCreator: presenceReceived,
          effect: ({ payload }) => {
            const view = viewRef.current;
            if (!view || payload.clientId === ownId()) return;
            const cursor = peerCursor(payload, view.state.doc.length);
            view.dispatch({ effects: cursor ? peerMoved.of(cursor) : peerRemoved.of(payload.clientId) });
            keepFollowedInView(payload.clientId);
          },
        }),
      ),
      dispatch(addAppListener({ actionCreator: followStarted, effect: () => keepFollowedInView() })),
      dispatch(addAppListener({ actionCreator: followTypistStarted, effect: () => keepFollowedInView() })),
      dispatch(
        addAppListener({
          actionCreator: peerLeft,
          effect: ({ payload }) => viewRef.current?.dispatch({ effects: peerRemoved.of(payload.clientId) }),
        }),
      ),
      exposeDebugHandle(() => viewRef.current),
      // History's restore and the Run button act on the text through it.
      registerLiveEditor(() => viewRef.current),
    ];
    return () => {
      for (const u of unsubscribe) u();
      viewRef.current?.destroy();
      viewRef.current = null;
    };
  }, [dispatch, store, language]);

  // The room's language, whoever changed it.
  useEffect(() => {
    viewRef.current?.dispatch({ effects: language.reconfigure(languageExtension(currentLanguage)) });
  }, [currentLanguage, language]);

  useEffect(() => {
    viewRef.current?.plugin(presenceReporter)?.touch();
    if (store.getState().room.role === "viewer") {
      const name = cleanName(myName);
      if (name) dispatch(messageSent({ type: "presence", selection: null, name }));
    }
  }, [myName, store, dispatch]);

  return (
    <div className="editor" data-testid="editor" data-loaded={loaded} data-read-only={readOnly} inert={covered}>
      <div className="editor-host" ref={parent} />
      {!loaded && <div className="editor-loading">Opening the room…</div>}
    </div>
  );
}
