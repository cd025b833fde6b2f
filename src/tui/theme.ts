/** Colour on or off for the whole UI (NO_COLOR, --no-color): components ask here before setting a colour. */
import { createContext, useContext } from 'react';

export interface Theme {
  readonly color: boolean;
}

export const ThemeContext = createContext<Theme>({ color: false });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** `{ color: name }` when colour is on and a colour is asked for, else nothing (spread it into a Text's props). */
export function tint(theme: Theme, name: string | undefined): { color?: string } {
  return theme.color && name !== undefined ? { color: name } : {};
}
