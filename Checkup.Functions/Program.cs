using Checkup.Core;
using Checkup.Functions.Admin;
using Checkup.Functions.Auth;
using Checkup.Functions.Health;
using Checkup.Functions.Hosting;
using Checkup.Functions.Images;
using Checkup.Functions.Problems;
using Checkup.Functions.Submissions;
using Checkup.Functions.Telemetry;
using Checkup.Functions.Triggers;

if (Commands.TryRun(args) is { } exitCode)
{
    return exitCode;
}

// Started by a Functions host as its .NET isolated worker ([Function] classes in Functions/); otherwise the custom
// handler below, which the host in FunctionApp/host.json runs. Both serve the same endpoints while the app moves over.
if (Checkup.Functions.Worker.CheckupWorker.StartedByFunctionsHost(args))
{
    return Checkup.Functions.Worker.CheckupWorker.Run(args);
}

// The slim builder leaves out what the handler never uses (HTTPS and HTTP/3, IIS, static web assets, regex route
// constraints, the Debug and EventSource loggers); its start is shorter (bench/run, cold start).
var builder = WebApplication.CreateSlimBuilder(args);
builder.ConfigureHandlerUrls();
builder.AddCheckupTelemetry();
builder.Services.AddCheckupCore(builder.Configuration);
builder.Services.AddCheckupAuth(builder.Configuration);
builder.Services.AddCheckupProblems();
builder.Services.AddCheckupCors(builder.Configuration);
builder.Services.AddCheckupRateLimits(builder.Configuration);
builder.Services.AddCheckupOpenApi();
builder.Services.AddCheckupUploads();
builder.Services.AddCheckupTriggers(builder.Configuration);

var app = builder.Build();
app.UseCheckupProblems();
app.UseStartupGate(); // requests that arrive while migrations and storage are made ready wait for them
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseBodySizeLimits();
app.UseRequestCharsets();

// The Functions host polls GET / until the handler answers; any answer means ready.
app.MapGet("/", () => TypedResults.Text("Checkup handler is running.")).AllowAnonymous().ExcludeFromDescription();
app.MapOpenApi("/api/openapi.json").AllowAnonymous();
app.MapTriggers(); // POST /ProcessImage and /CleanupImages, as the Functions host calls them

// Secure by default: everything under /api needs a signed-in person unless it opts out (health).
var api = app.MapGroup("/api").RequireAuthorization(AuthSetup.UserPolicy).WithProblemJson();
api.MapHealth();
api.MapSubmissions();
api.MapImages();
api.MapAdminImages();
api.MapAdminSubmissions();
api.MapAdminStats();
api.MapAdminUsers();

app.Run();
return 0;

public partial class Program;
