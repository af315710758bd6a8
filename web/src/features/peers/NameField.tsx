import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { fitName } from "./displayName";
import { saveName } from "./nameStorage";
import { nameChanged } from "./peersSlice";

/**
 * This person's display name: remembered in this browser, sent to the room as
 * presence. Not `maxLength`, which counts UTF-16 units (20 emoji) where the
 * server counts characters (40): the field takes what the server keeps.
 */
export function NameField() {
  const dispatch = useAppDispatch();
  const name = useAppSelector((s) => s.peers.myName);
  return (
    <label className="name-field">
      <span className="visually-hidden">Your name</span>
      <input
        data-testid="name-input"
        value={name}
        placeholder="Your name"
        spellCheck={false}
        onChange={(event) => {
          const fitted = fitName(event.target.value);
          dispatch(nameChanged(fitted));
          saveName(fitted);
        }}
      />
    </label>
  );
}
