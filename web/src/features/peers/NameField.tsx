import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { MAX_NAME_LENGTH } from "../../protocol/messages";
import { saveName } from "./nameStorage";
import { nameChanged } from "./peersSlice";

/** This person's display name: remembered in this browser, sent to the room as presence. */
export function NameField() {
  const dispatch = useAppDispatch();
  const name = useAppSelector((s) => s.peers.myName);
  return (
    <label className="name-field">
      <span className="visually-hidden">Your name</span>
      <input
        data-testid="name-input"
        value={name}
        maxLength={MAX_NAME_LENGTH}
        placeholder="Your name"
        spellCheck={false}
        onChange={(event) => {
          dispatch(nameChanged(event.target.value));
          saveName(event.target.value);
        }}
      />
    </label>
  );
}
