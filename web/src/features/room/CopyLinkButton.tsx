import { useCallback, useEffect, useRef, useState } from "react";
import { useAppSelector } from "../../app/hooks";
import { useDismiss } from "../../app/useDismiss";

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or an insecure origin): fall back to a selection copy.
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

const linkTo = (id: string) => `${window.location.origin}/room/${encodeURIComponent(id)}`;

function CopyOne({ id, label, testId }: { id: string; label: string; testId: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  const link = linkTo(id);
  return (
    <button
      type="button"
      className="button"
      data-testid={testId}
      data-link={link}
      title={link}
      onClick={async () => setState((await copy(link)) ? "copied" : "failed")}
    >
      {state === "copied" ? "Link copied" : state === "failed" ? "Copy failed" : label}
    </button>
  );
}

/**
 * "Copy link": an editor gets both links, the one that edits and the one that
 * only watches; a viewer only ever has (and so only offers) the watching one.
 */
export function CopyLinkButton({ roomId }: { roomId: string }) {
  const [open, setOpen] = useState(false);
  const { role, editId, viewId } = useAppSelector((s) => s.room);
  const container = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    // The focused link is about to go: the keyboard goes back to the menu's button.
    if (container.current?.contains(document.activeElement)) toggle.current?.focus();
    setOpen(false);
  }, []);
  useDismiss(open, container, close);
  if (role === "viewer") return <CopyOne id={viewId ?? roomId} label="Copy link" testId="copy-view-link" />;
  return (
    <div className="copy-links" ref={container}>
      <button
        type="button"
        className="button"
        ref={toggle}
        data-testid="copy-link"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        Copy link
      </button>
      {open && (
        <div className="copy-links-menu" role="group" aria-label="Links to this room">
          <CopyOne id={editId ?? roomId} label="Copy edit link" testId="copy-edit-link" />
          {viewId && <CopyOne id={viewId} label="Copy view-only link" testId="copy-view-link" />}
        </div>
      )}
    </div>
  );
}
