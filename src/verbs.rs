//! The ten verbs: `get/put/post/patch/delete` (blocking) and their `_async` twins. Both forms run the same
//! pipeline; they differ only in which runtime drives it.

use std::future::Future;

use http::Method;

use crate::client::Client;
use crate::error::Result;
use crate::options::Options;
use crate::pipeline;
use crate::response::Response;
use crate::trace;

macro_rules! verbs {
    ($($(#[$doc:meta])* $blocking:ident, $async_name:ident, $method:expr;)*) => {
        impl Client {
            $(
                $(#[$doc])*
                ///
                /// Blocking: runs on the crate's own runtime (a lone call on the calling thread itself, concurrent
                /// ones on the crate's runtime thread), so it works from `fn main`, from plain threads and inside a
                /// Tokio runtime (where it blocks only the calling thread).
                ///
                /// # Errors
                ///
                /// See [`ErrorKind`](crate::ErrorKind): invalid options or path (nothing sent), transport
                /// failures, HTTP 4xx/5xx, response verification failures.
                pub fn $blocking(&self, opts: impl Into<Options>) -> Result<Response> {
                    self.blocking($method, opts.into())
                }

                $(#[$doc])*
                ///
                /// Async: the future owns what it needs (`Send + 'static`, borrowing nothing from the node), so it can
                /// be spawned or returned from the scope that built the node.
                ///
                /// # Errors
                ///
                /// As the blocking form.
                pub fn $async_name<O: Into<Options>>(
                    &self,
                    opts: O,
                ) -> impl Future<Output = Result<Response>> + Send + 'static + use<O> {
                    self.request_async($method, opts.into())
                }
            )*
        }
    };
}

verbs! {
    /// `GET` this node's path (PHP `->get($options)` / `->getAsync($options)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let resp = client.v3().seg("marketing").seg("favor").seg("stocks").seg("_stock_id_")
    ///     .get(json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "1230000109" } }))?;
    /// assert_eq!(resp.status(), 200);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    get, get_async, Method::GET;
    /// `POST` to this node's path (PHP `->post($options)` / `->postAsync($options)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let resp = client.v3().seg("pay").seg("transactions").seg("native")
    ///     .post(json!({ "json": {
    ///         "appid": "wxd678efh567hg6787", "mchid": "1230000109", "description": "Image形象店-深圳腾大-QQ公仔",
    ///         "out_trade_no": "native12177525012014070332333", "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
    ///         "amount": { "total": 1 },
    ///     } }))?;
    /// assert!(resp.text().contains("code_url"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    post, post_async, Method::POST;
    /// `PUT` to this node's path (PHP `->put($options)` / `->putAsync($options)`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// let resp = client.chain("v3/x").put(serde_json::json!({ "json": {} }));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    put, put_async, Method::PUT;
    /// `PATCH` this node's path (PHP `->patch($options)` / `->patchAsync($options)`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// let resp = client.chain("v3/x").patch(serde_json::json!({ "json": {} }));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    patch, patch_async, Method::PATCH;
    /// `DELETE` this node's path (PHP `->delete($options)` / `->deleteAsync($options)`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// let resp = client.chain("v3/x").delete(());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    delete, delete_async, Method::DELETE;
}

impl Client {
    fn request_async(
        &self,
        method: Method,
        opts: Options,
    ) -> impl Future<Output = Result<Response>> + Send + 'static + use<> {
        let config = self.config().clone();
        let pathname = self.pathname().to_owned();
        // The span is made here, in the caller's context, so the caller's current span is its parent.
        let span = trace::call(&method, &pathname);
        let dispatch = trace::current_dispatch();
        let clients = config.transport.async_clients.clone();
        // the pipeline's future itself, not wrapped in an `async` block that would keep a second copy of its inputs
        trace::carry(
            dispatch,
            pipeline::execute(config, clients, method, pathname, opts, span),
        )
    }

    fn blocking(&self, method: Method, opts: Options) -> Result<Response> {
        let config = self.config().clone();
        let pathname = self.pathname().to_owned();
        // Made on the caller's thread (its current span is the parent), then carried, with the caller's
        // subscriber, to whichever thread drives the call.
        let span = trace::call(&method, &pathname);
        let dispatch = trace::current_dispatch();
        let rt = config.transport.blocking()?;
        let job_config = config.clone();
        rt.run(move |clients| {
            let work = pipeline::execute(job_config, clients, method, pathname, opts, span);
            trace::carry(dispatch, work)
        })
    }
}
