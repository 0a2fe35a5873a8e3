// AuthOptions lives in Checkup.Core (tools/Checkup.Cli and the tests mint tokens with it without the worker);
// every function and middleware that reads it sees it as before.
global using Checkup.Core.Auth;
