// Links to jump past the header (and, on a page that adds its own, to its parts): the first
// things Tab reaches, shown only when focused. A page adds its links with <PageSkipLinks>.
import { type ReactNode, createContext, useContext, useState } from "react";
import { createPortal } from "react-dom";

const Slot = createContext<HTMLElement | null>(null);

export function SkipLinks({ children }: { children: ReactNode }) {
  const [slot, setSlot] = useState<HTMLElement | null>(null);
  return (
    <Slot.Provider value={slot}>
      <div className="skip-links">
        <SkipLink to={() => document.getElementById("main")}>Skip to main content</SkipLink>
        <span ref={setSlot} />
      </div>
      {children}
    </Slot.Provider>
  );
}

/** Links a page adds after "Skip to main content", for as long as it is shown. */
export function PageSkipLinks({ children }: { children: ReactNode }) {
  const slot = useContext(Slot);
  return slot ? createPortal(children, slot) : null;
}

/**
 * Moves the focus to what `to` finds, without changing the address: Tab goes on from there.
 * The href keeps it a link for assistive technologies and for opening without script.
 */
export function SkipLink({ to, children }: { to: () => HTMLElement | null; children: string }) {
  return (
    <a
      className="skip"
      href="#main"
      onClick={(event) => {
        const target = to();
        if (!target) return;
        event.preventDefault();
        target.focus();
      }}
    >
      {children}
    </a>
  );
}
