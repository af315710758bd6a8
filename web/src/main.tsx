import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "react-redux";
import { App } from "./App";
import { makeStore } from "./app/store";
import { initialPeersState } from "./features/peers/peersSlice";
import { loadName } from "./features/peers/nameStorage";
import "./styles.css";

const store = makeStore({ peers: { ...initialPeersState, myName: loadName() } });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Provider store={store}>
      <App />
    </Provider>
  </StrictMode>,
);
