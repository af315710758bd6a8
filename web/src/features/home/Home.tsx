import { type FormEvent, useState } from "react";
import { navigate, parseRoomInput } from "../../app/router";
import { LANGUAGES } from "../room/languages";
import { createRoom } from "./api";

/** Start a room, or join one from a link or id. */
export function Home() {
  const [language, setLanguage] = useState("python");
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [joinText, setJoinText] = useState("");
  const [joinError, setJoinError] = useState<string | null>(null);

  const onCreate = async () => {
    setCreating(true);
    setCreateError(null);
    try {
      const room = await createRoom(language);
      navigate(`/room/${encodeURIComponent(room.roomId)}`);
    } catch (error) {
      setCreateError(error instanceof Error ? error.message : String(error));
      setCreating(false);
    }
  };

  const onJoin = (event: FormEvent) => {
    event.preventDefault();
    const roomId = parseRoomInput(joinText);
    if (!roomId) {
      setJoinError("That is not a room link or id.");
      return;
    }
    navigate(`/room/${encodeURIComponent(roomId)}`);
  };

  return (
    <main className="home" data-testid="home">
      <h1>Pairpad</h1>
      <p className="lede">Write code together in real time. Start a room and send its link.</p>

      <section className="card" aria-labelledby="new-room">
        <h2 id="new-room">New room</h2>
        <div className="row">
          <label>
            <span className="visually-hidden">Language</span>
            <select value={language} onChange={(e) => setLanguage(e.target.value)} data-testid="new-room-language">
              {LANGUAGES.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button button-primary" onClick={onCreate} disabled={creating} data-testid="create-room">
            {creating ? "Creating…" : "Create a room"}
          </button>
        </div>
        {createError && (
          <p className="error" role="alert">
            Could not create a room: {createError}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="join-room">
        <h2 id="join-room">Join a room</h2>
        <form className="row" onSubmit={onJoin}>
          <label className="grow">
            <span className="visually-hidden">Room link or id</span>
            <input
              data-testid="join-input"
              value={joinText}
              placeholder="Paste a room link or id"
              onChange={(e) => {
                setJoinText(e.target.value);
                setJoinError(null);
              }}
            />
          </label>
          <button type="submit" className="button" data-testid="join-room">
            Join
          </button>
        </form>
        {joinError && (
          <p className="error" role="alert">
            {joinError}
          </p>
        )}
      </section>
    </main>
  );
}
