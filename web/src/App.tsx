import { matchRoute, usePathname } from "./app/router";
import { Home } from "./features/home/Home";
import { Room } from "./features/room/Room";

export function App() {
  const route = matchRoute(usePathname());
  switch (route.page) {
    case "home":
      return <Home />;
    case "room":
      // A new key per room: nothing of one room's editor carries over to the next.
      return <Room key={route.roomId} roomId={route.roomId} />;
    default:
      return (
        <main className="problem" data-testid="page-not-found">
          <h1>Page not found</h1>
          <p>
            <a className="button button-primary" href="/">
              Go to Pairpad
            </a>
          </p>
        </main>
      );
  }
}
