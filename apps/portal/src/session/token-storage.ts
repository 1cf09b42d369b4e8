/**
 * An API token typed in at login is kept in sessionStorage: it survives a reload of the tab
 * but not the tab itself, and no other site can read it. Password logins keep nothing here;
 * their session lives in the broker's HttpOnly cookie.
 */
const KEY = 'skyport.token';

export const tokenStorage = {
  read(): string | undefined {
    return window.sessionStorage.getItem(KEY) ?? undefined;
  },
  write(token: string): void {
    window.sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    window.sessionStorage.removeItem(KEY);
  },
};
