using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace FunctionsHost;

/// <summary>Log lines as func start prints them: a UTC timestamp and the message.</summary>
internal sealed class FuncConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "func";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }
        var level = logEntry.LogLevel switch
        {
            LogLevel.Warning => "warn: ",
            LogLevel.Error => "fail: ",
            LogLevel.Critical => "crit: ",
            _ => "",
        };
        textWriter.Write($"[{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}] {level}{message}");
        if (logEntry.Exception is not null)
        {
            textWriter.Write($"{Environment.NewLine}{logEntry.Exception}");
        }
        textWriter.Write(Environment.NewLine);
    }
}
