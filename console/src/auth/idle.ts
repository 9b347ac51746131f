import { useEffect, useState } from 'react';

const MAX_IDLE_SECONDS = 15 * 60;
const WARNING_SECONDS = 60;

/**
 * Seconds without input before logout: 15 minutes, or less if the browser's `trm.console.idleSeconds` says
 * so (the browser tests use it; it can only shorten the limit).
 */
export function idleLimitSeconds(): number {
  try {
    const value = Number(localStorage.getItem('trm.console.idleSeconds'));
    if (Number.isFinite(value) && value >= 5) return Math.min(value, MAX_IDLE_SECONDS);
  } catch {
    /* no storage */
  }
  return MAX_IDLE_SECONDS;
}

const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** Seconds left before an idle logout when the warning should show, otherwise null; calls onIdle at zero. */
export function useIdleTimeout(active: boolean, onIdle: () => void): number | null {
  const [left, setLeft] = useState<number | null>(null);
  useEffect(() => {
    if (!active) return;
    const limit = idleLimitSeconds();
    const warnAt = Math.min(WARNING_SECONDS, Math.floor(limit / 2));
    let last = Date.now();
    const touch = (): void => {
      last = Date.now();
    };
    for (const name of INPUT_EVENTS) window.addEventListener(name, touch, { passive: true, capture: true });
    const timer = setInterval(() => {
      const remaining = limit - Math.floor((Date.now() - last) / 1000);
      if (remaining <= 0) {
        setLeft(null);
        onIdle();
      } else setLeft(remaining <= warnAt ? remaining : null);
    }, 1000);
    return () => {
      clearInterval(timer);
      for (const name of INPUT_EVENTS) window.removeEventListener(name, touch, { capture: true });
      setLeft(null);
    };
  }, [active, onIdle]);
  return left;
}
