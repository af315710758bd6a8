import { combineSlices, configureStore, createListenerMiddleware } from "@reduxjs/toolkit";
import { autocompleteSlice } from "../features/autocomplete/autocompleteSlice";
import { type ConnectionDeps, createConnectionMiddleware } from "../features/connection/connectionMiddleware";
import { connectionSlice } from "../features/connection/connectionSlice";
import { followSlice } from "../features/follow/followSlice";
import { historySlice } from "../features/history/historySlice";
import { peersSlice } from "../features/peers/peersSlice";
import { roomSlice } from "../features/room/roomSlice";
import { createRunnerMiddleware } from "../features/runner/runnerMiddleware";
import { runnerSlice } from "../features/runner/runnerSlice";

export const rootReducer = combineSlices(
  connectionSlice,
  roomSlice,
  peersSlice,
  autocompleteSlice,
  historySlice,
  followSlice,
  runnerSlice,
);

export type RootState = ReturnType<typeof rootReducer>;

export interface StoreOptions {
  /** The socket, clock and randomness the connection uses; the browser's by default. */
  connection?: ConnectionDeps;
}

export function makeStore(preloadedState?: Partial<RootState>, options: StoreOptions = {}) {
  // Per store, so that each test's store has its own listeners.
  const listeners = createListenerMiddleware();
  return configureStore({
    reducer: rootReducer,
    preloadedState,
    middleware: (getDefaultMiddleware) =>
      getDefaultMiddleware().prepend(listeners.middleware).concat(createConnectionMiddleware(options.connection), createRunnerMiddleware()),
  });
}

export type AppStore = ReturnType<typeof makeStore>;
export type AppDispatch = AppStore["dispatch"];
