import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { messageSent } from "../connection/actions";
import { LANGUAGES } from "./languages";
import { languageChosen } from "./roomSlice";

/** The room's language, for everyone in it. */
export function LanguageSelect() {
  const dispatch = useAppDispatch();
  const language = useAppSelector((s) => s.room.language);
  const connected = useAppSelector((s) => s.connection.status === "connected");
  const viewer = useAppSelector((s) => s.room.role === "viewer");
  const known = LANGUAGES.some((l) => l.id === language);
  return (
    <label className="language-select">
      <span className="visually-hidden">Language</span>
      <select
        data-testid="language-select"
        value={language}
        disabled={!connected || viewer}
        title={
          viewer
            ? "This link only watches the room"
            : connected
              ? "Language for everyone in the room"
              : "Available when connected"
        }
        onChange={(event) => {
          dispatch(languageChosen(event.target.value));
          dispatch(messageSent({ type: "language", language: event.target.value }));
        }}
      >
        {!known && <option value={language}>{language}</option>}
        {LANGUAGES.map((l) => (
          <option key={l.id} value={l.id}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}
