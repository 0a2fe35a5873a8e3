using Checkup.Core;
using Checkup.Functions.Auth;
using Checkup.Functions.Hosting;
using Checkup.Functions.Images;
using Checkup.Functions.Problems;
using Checkup.Functions.Telemetry;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;

// A .NET isolated worker: the Functions host starts it, indexes the [Function] classes in Functions/, forwards HTTP
// requests to its ASP.NET Core integration and hands it queue messages and timer ticks.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddCheckupTelemetry();
builder.Services.AddKestrelLimits();
builder.Services.AddCheckupCore(builder.Configuration);
builder.Services.AddCheckupAuth(builder.Configuration);
builder.Services.AddCheckupProblems();
builder.Services.AddCheckupCors(builder.Configuration);
builder.Services.AddCheckupRateLimits(builder.Configuration);
builder.Services.AddCheckupUploads();

// HTTP functions only, outermost first: every answer below, the function's own included, passes the problem mapping.
builder.UseWhen<ProblemsMiddleware>(HttpMiddleware.IsHttp);
builder.UseWhen<StartupGateMiddleware>(HttpMiddleware.IsHttp);
builder.UseWhen<CorsMiddleware>(HttpMiddleware.IsHttp);
builder.UseWhen<AuthMiddleware>(HttpMiddleware.IsHttp);
builder.UseWhen<WriteLimitMiddleware>(HttpMiddleware.IsHttp);
builder.UseWhen<RequestBodyMiddleware>(HttpMiddleware.IsHttp);

builder.Build().Run();
